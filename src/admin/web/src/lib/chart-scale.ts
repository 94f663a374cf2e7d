/** Axis arithmetic of the activity chart (pure, so it is unit-tested). */

/** Half the width of an "HH:MM" or "h:mm AM" axis label (11px font) in viewBox units, with room to spare. */
const HALF_LABEL = 30;

/**
 * Round y-axis ticks: a step of 1, 2 or 5 × 10^n giving at most `count` steps, from 0 to the
 * first multiple of the step at or above `max` (so 0/3/5 becomes 0/2/4/6).
 */
export function niceTicks(max: number, count = 4): number[] {
  const top = Math.max(1, max);
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude);
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) ticks.push(v);
  return ticks;
}

/** Where an x-axis label goes so it stays inside the chart (edge labels are anchored inwards). */
export function labelPlacement(
  center: number,
  width: number,
): { x: number; anchor: 'start' | 'middle' | 'end' } {
  if (center + HALF_LABEL > width - 2) return { x: width - 2, anchor: 'end' };
  if (center - HALF_LABEL < 2) return { x: 2, anchor: 'start' };
  return { x: center, anchor: 'middle' };
}
