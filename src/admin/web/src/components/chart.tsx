/**
 * Downloads and refusals over time as an inline SVG bar chart, drawn here so the console needs
 * no chart library and no inline styles (colours come from CSS classes).
 */
import { labelPlacement, niceTicks } from '../lib/chart-scale.js';

/** One bar group. */
export interface Bucket {
  t: number;
  ok: number;
  refused: number;
}

const W = 720;
const H = 220;
const PAD = { left: 40, right: 10, top: 10, bottom: 28 };

/** Stacked bars (ok + refused) per time bucket, with an accessible table summary. */
export function ActivityChart({ buckets, label }: { buckets: Bucket[]; label: string }) {
  const ticks = niceTicks(Math.max(0, ...buckets.map((b) => b.ok + b.refused)));
  const max = ticks[ticks.length - 1]!;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / Math.max(1, buckets.length);
  const barW = Math.max(1, step * 0.7);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const total = buckets.reduce((a, b) => ({ ok: a.ok + b.ok, refused: a.refused + b.refused }), {
    ok: 0,
    refused: 0,
  });
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${label}: ${total.ok} served, ${total.refused} refused`}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = PAD.left + i * step + (step - barW) / 2;
          const label = labelPlacement(x + barW / 2, W);
          return (
            <g key={b.t}>
              <rect class="bar-ok" x={x} y={y(b.ok)} width={barW} height={y(0) - y(b.ok)}>
                <title>{`${new Date(b.t).toLocaleString()}: ${b.ok} served`}</title>
              </rect>
              <rect
                class="bar-refused"
                x={x}
                y={y(b.ok + b.refused)}
                width={barW}
                height={y(b.ok) - y(b.ok + b.refused)}
              >
                <title>{`${new Date(b.t).toLocaleString()}: ${b.refused} refused`}</title>
              </rect>
              {i % labelEvery === 0 && (
                <text class="axis" x={label.x} y={H - 8} text-anchor={label.anchor}>
                  {new Date(b.t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        <span class="swatch ok" /> Served ({total.ok}) <span class="swatch refused" /> Refused (
        {total.refused})
      </figcaption>
    </figure>
  );
}

/** Horizontal bars for a small name → count table (refusals by reason). */
export function BarList({
  rows,
  empty,
}: {
  rows: Array<{ name: string; count: number }>;
  empty: string;
}) {
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  const max = Math.max(...rows.map((r) => r.count));
  return (
    <ul class="barlist">
      {rows.map((r) => (
        <li key={r.name}>
          <span class="barlist-name mono">{r.name}</span>
          <svg
            class="barlist-bar"
            viewBox="0 0 100 10"
            preserveAspectRatio="none"
            aria-hidden="true"
          >
            <rect class="bar-refused" x="0" y="0" height="10" width={(r.count / max) * 100} />
          </svg>
          <span class="barlist-count">{r.count}</span>
        </li>
      ))}
    </ul>
  );
}
