/**
 * Human rendering of a {@link ProbeReport}: one aligned table row per case, then a verdict line.
 * Kept apart from the probe so the web console can render the same report its own way.
 */
import type { ProbeReport, ProbeResult } from './probe.js';

/** What the server did, in a few words: `401 TOKEN_EXPIRED`, `200 content`, `302 -> …`. */
export function describeSeen(r: ProbeResult): string {
  if (r.status === null) return `no answer (${r.detail ?? 'error'})`;
  const parts = [String(r.status)];
  if (r.outcome === 'leak') parts.push('FILE CONTENT in refusal');
  else if (r.outcome === 'allowed') parts.push(r.contentReturned ? 'content' : 'empty body');
  else if (r.outcome === 'redirect' && r.signedLink) {
    parts.push(`hands out a signed link -> ${r.detail ?? '?'}`);
  } else if (r.outcome === 'redirect') parts.push(`-> ${r.detail ?? '?'}`);
  else if (r.outcome === 'server-error') parts.push('server error');
  if (r.code && r.outcome !== 'allowed') parts.push(r.code);
  return parts.join(' ');
}

function expectedLabel(r: ProbeResult): string {
  return r.expected === 'info' ? 'either (info)' : r.expected;
}

function verdictLabel(r: ProbeResult): string {
  if (r.verdict === 'info') {
    if (r.outcome === 'allowed') return 'info: accepted';
    if (r.outcome === 'redirect') return r.signedLink ? 'info: accepted' : 'info: redirected';
    return r.outcome === 'refused' ? 'info: refused' : 'info: error';
  }
  return r.verdict === 'pass' ? 'PASS' : 'FAIL';
}

/** Renders the report as a plain-text table followed by a one-line summary. */
export function formatProbeTable(report: ProbeReport): string {
  const header = ['case', 'what is sent', 'expected', 'seen', 'verdict'];
  const rows = report.results.map((r) => [
    r.id,
    r.title,
    expectedLabel(r),
    describeSeen(r),
    verdictLabel(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const { passed, failed } = report.summary;
  const verdict = report.ok
    ? `OK: every hostile token was refused and the valid token was served (${passed} checks).`
    : `FAILED: ${failed} of ${passed + failed} checks failed; see the FAIL rows above.`;
  return [
    `Probe of ${report.url}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    verdict,
    '',
  ].join('\n');
}
