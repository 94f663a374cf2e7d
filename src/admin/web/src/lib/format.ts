/** Small display helpers shared by the pages. */

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

/** Date/time in the user's locale; accepts ISO strings, seconds or ms. */
export function formatTime(value: string | number | null | undefined): string {
  const t = toMs(value);
  return t === null ? '—' : new Date(t).toLocaleString();
}

/** ISO strings, seconds or ms → ms (null when absent or unparsable). */
export function toMs(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Whole days between a past time and now. */
export function ageInDays(value: string | number | null | undefined, now = Date.now()): number {
  const t = toMs(value);
  return t === null ? 0 : Math.floor((now - t) / 86_400_000);
}

/** 900 → "15 minutes", 86400 → "1 day". */
export function formatSeconds(seconds: number): string {
  const units: Array<[number, string]> = [
    [604_800, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/** Relative time: "in 14 min", "3 h ago". */
export function relativeTime(value: string | number | null | undefined, now = Date.now()): string {
  const t = toMs(value);
  if (t === null) return '';
  const diff = t - now;
  const abs = Math.abs(diff);
  const [n, unit] =
    abs < 60_000
      ? [Math.round(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'min']
        : abs < 86_400_000
          ? [Math.round(abs / 3_600_000), 'h']
          : [Math.round(abs / 86_400_000), 'd'];
  return diff >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** "No keys yet." / "The key is less than 335 days old." / "All 3 keys are less than 335 days old." */
export function rotationSummary(count: number, days: number): string {
  if (count === 0) return 'No keys yet.';
  const age = `less than ${pluralDays(days)} old`;
  return count === 1 ? `The key is ${age}.` : `All ${count} keys are ${age}.`;
}

/** 1 → "1 day", 3 → "3 days". */
export function pluralDays(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}
