// Draws bench/serve.mjs's per-round ratios against issue 17's goals as a small SVG (no library:
// a few lines and circles). Every row is scaled to its own goal — position = how far a round is
// from meeting it, on a log scale, goal at the centre line, better to the right — so goals of
// different size and direction share one axis and the spread between rounds shows at a glance.
const W = 800;
const LEFT = 380;
const RIGHT = 40;
const ROW = 30;
const TOP = 46;
const MIN = 0.25;
const MAX = 4;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const x = (score) => {
  const clamped = Math.min(MAX, Math.max(MIN, score));
  const t = (Math.log(clamped) - Math.log(MIN)) / (Math.log(MAX) - Math.log(MIN));
  return LEFT + t * (W - LEFT - RIGHT);
};

/** SVG text of the chart for one run (results) and its summary (serve-report.mjs summarise). */
export function renderChart(r, s) {
  const rows = s.goals.map((g) => ({
    label: `${g.label} (${g.higher ? '≥' : '≤'} ${g.goal})`,
    scores: g.rounds.map((v) => (g.higher ? v / g.goal : g.goal / v)).filter(Number.isFinite),
    values: g.rounds,
    cpuScores: (g.cpuRounds ?? [])
      .map((v) => (g.higher ? v / g.goal : g.goal / v))
      .filter(Number.isFinite),
    failed: g.failures.length > 0,
  }));
  if (s.d) {
    rows.push({
      label: `(d) p99 first byte, ${s.d.clients} slow downloads (< 2 s)`,
      scores: [2000 / Math.max(1, s.d.ttfbP99 ?? Number.POSITIVE_INFINITY)],
      values: [(s.d.ttfbP99 ?? Number.NaN) / 1000],
      failed: s.dFails.length > 0,
    });
    rows.push({
      label: '(d) peak RSS per download (≤ 64 KiB)',
      scores: [(64 * 1024) / s.perDownload],
      values: [s.perDownload / 1024],
      failed: s.dFails.length > 0,
    });
  }
  const H = TOP + rows.length * ROW + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>bench:serve per-round ratios against the issue 17 goals, ${esc(r.facts.node)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">bench:serve — per-round results against the goals (${esc(r.facts.node)}, ${esc(r.facts.date)})</text>`,
    `<text x="10" y="34" fill="#555">each mark a round (red: the scenario had failures); right of the line meets the goal; log scale, each row scaled to its goal</text>`,
  ];
  for (const t of [0.25, 0.5, 1, 2, 4]) {
    parts.push(
      `<line x1="${x(t)}" y1="${TOP - 4}" x2="${x(t)}" y2="${TOP + rows.length * ROW}" stroke="${t === 1 ? '#222' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
      `<text x="${x(t)}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${t === 1 ? 'goal' : `${t}× goal`}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = TOP + i * ROW + ROW / 2;
    parts.push(`<text x="10" y="${y + 4}">${esc(row.label)}</text>`);
    row.scores.forEach((score, j) => {
      const v = row.values[j];
      parts.push(
        `<circle cx="${x(score).toFixed(1)}" cy="${y}" r="5" fill="${row.failed ? '#c62828' : score >= 1 ? '#2e7d32' : '#ef6c00'}" fill-opacity="0.75"><title>${Number.isFinite(v) ? v.toFixed(2) : '?'}</title></circle>`,
      );
    });
    for (const score of row.cpuScores ?? []) {
      parts.push(
        `<circle cx="${x(score).toFixed(1)}" cy="${y}" r="4" fill="none" stroke="#1565c0" stroke-width="1.5"/>`,
      );
    }
  });
  parts.push(
    `<text x="10" y="${H - 8}" fill="#555">filled: req/s ratio (green meets, orange misses); blue rings: the same ratio in server CPU per request; values in tooltips</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
