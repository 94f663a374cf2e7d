/**
 * Human durations for token lifetimes and leeways: '90s', '15m', '1h30m', '1d', '1w', or plain seconds.
 * Kept strict on purpose: a typo in a lifetime should fail loudly at start-up, not mint a 0-second token.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  w: 604_800,
  d: 86_400,
  h: 3_600,
  m: 60,
  s: 1,
};
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's'] as const;
const COMBO = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** Upper bound (100 years) so absurd input is refused instead of overflowing dates. */
const MAX_SECONDS = 100 * 365 * 86_400;

/**
 * Parses a duration into whole seconds.
 * @example parseDuration('1h30m') // 5400
 * @throws RangeError naming the input when it is not a duration.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return checkRange(text, String(text));
  if (typeof text !== 'string') throw new TypeError('parseDuration expects a string or number');
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return checkRange(Number(trimmed), text);
  const match = COMBO.exec(trimmed);
  if (trimmed === '' || !match || match.slice(1).every((part) => part === undefined)) {
    throw new RangeError(
      `Invalid duration "${text}": use seconds or units w/d/h/m/s, e.g. 90s, 15m, 1h30m, 1d, 1w`,
    );
  }
  let total = 0;
  UNIT_ORDER.forEach((unit, index) => {
    const part = match[index + 1];
    if (part !== undefined) total += Number(part) * UNIT_SECONDS[unit]!;
  });
  return checkRange(total, text);
}

/** Largest clock leeway accepted anywhere (an hour): more would keep expired tokens alive. */
export const MAX_LEEWAY_SECONDS = 3600;

/**
 * Parses a clock leeway the one way every command and the config file take it: plain seconds
 * (`60`) or a duration (`1m`, `90s`), from 0 up to {@link MAX_LEEWAY_SECONDS}.
 * @example parseLeeway('1m') // 60
 * @throws RangeError saying what is accepted.
 */
export function parseLeeway(text: string | number): number {
  let seconds: number | undefined;
  try {
    seconds = parseDuration(text);
  } catch {
    // answered below with a leeway-specific message
  }
  if (seconds === undefined || seconds > MAX_LEEWAY_SECONDS) {
    throw new RangeError(
      `Invalid leeway "${String(text)}": give seconds (60) or a duration (90s, 1m), at most ${MAX_LEEWAY_SECONDS / 60}m`,
    );
  }
  return seconds;
}

function checkRange(seconds: number, original: string): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
    throw new RangeError(
      `Invalid duration "${original}": must be a whole number of seconds between 0 and ${MAX_SECONDS}`,
    );
  }
  return seconds;
}

/**
 * Formats whole seconds in the largest units that divide exactly, the inverse of parseDuration.
 * @example formatDuration(5400) // '1h30m'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new TypeError('formatDuration expects seconds >= 0');
  let rest = Math.round(seconds);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_SECONDS[unit]!;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
