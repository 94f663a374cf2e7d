// Renders bench/serve.mjs results as a Markdown table with ratios against the goals, and writes it
// between the <!-- bench:serve:start/end --> markers of BENCHMARKS.md (other sections belong to
// other benchmarks and are left untouched).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const MiB = 1024 * 1024;

const fmt = (n, digits = 0) =>
  typeof n !== 'number' || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });
/** Goal verdict; null (shown as –) when a peer of the ratio was not measured. */
const meets = (ratio, goal) => (Number.isFinite(ratio) ? ratio >= goal : null);

function row(label, unit, values, ratio, goal, met) {
  const cells = ['nginx', 'nginx+njs', 'portcullis'].map((p) =>
    values[p] === undefined ? '–' : `${fmt(values[p], unit === 'MiB/s' ? 0 : 0)} ${unit}`,
  );
  const verdict = met === null ? '–' : met ? 'yes' : '**no**';
  return `| ${label} | ${cells.join(' | ')} | ${ratio} | ${goal} | ${verdict} |`;
}

const median = (values) => {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** One number of one peer in every round (rps, or MiB/s for (c)). */
function perRound(r, scenario, peer) {
  return r.rounds.map((runs) => {
    const run = runs[`${scenario}:${peer}`];
    if (!run) return undefined;
    return scenario === 'c' ? run.bytesPerSec / MiB : run.rps;
  });
}

/** Ratio portcullis / peer in each round where both ran. */
function roundRatios(r, scenario, peer) {
  const ours = perRound(r, scenario, 'portcullis');
  return perRound(r, scenario, peer)
    .map((theirs, i) => ours[i] / theirs)
    .filter(Number.isFinite);
}

function freshWindows(r) {
  const parts = ['nginx+njs', 'portcullis']
    .map((p) => [p, r.rounds.map((runs) => runs[`b:${p}`]).filter((v) => v?.freshSeconds)])
    .filter(([, v]) => v.length > 0)
    .map(
      ([p, v]) =>
        `${p} ${v.map((x) => `${fmt(x.freshResponses)} in ${fmt(x.freshSeconds, 2)} s`).join(', ')}`,
    );
  return parts.length ? parts.join('; ') : 'not measured';
}

/** Builds the section text (heading included) from the results object. */
export function renderSection(r) {
  const run = (k) => r.runs[k];
  const med = (s) => ({
    nginx: median(perRound(r, s, 'nginx')),
    'nginx+njs': median(perRound(r, s, 'nginx+njs')),
    portcullis: median(perRound(r, s, 'portcullis')),
  });
  const a = med('a');
  const b = med('b');
  const c = med('c');
  const ratios = {
    a: roundRatios(r, 'a', 'nginx'),
    b: roundRatios(r, 'b', 'nginx+njs'),
    c: roundRatios(r, 'c', 'nginx'),
  };
  const ra = median(ratios.a);
  const rb = median(ratios.b);
  const rc = median(ratios.c);
  const spread = Object.entries(ratios)
    .filter(([, v]) => v.length > 0)
    .map(([k, v]) => `(${k}) ${v.map((x) => fmt(x, 2)).join(', ')}`)
    .join('; ');
  const d = run('d:portcullis');
  const peak = d ? d.peakRss / MiB : undefined;
  const allRuns = [...r.rounds.flatMap((runs) => Object.values(runs)), ...Object.values(r.runs)];
  const loads = allRuns.map((v) => Number.parseFloat(v.load) || 0);
  const peakLoad = Math.max(...loads);
  const busy =
    peakLoad > r.facts.cores
      ? `\n> **Measured on a busy machine** (1-min load average up to ${peakLoad} on ${r.facts.cores} cores:
> other jobs competed for both pinned cores), so the ratios below are not trustworthy; re-run
> \`npm run bench:serve\` on a quiet machine.\n`
      : '';
  return `## Serve

\`npm run bench:serve\` (bench/serve.mjs). One run of ${r.rounds.length} round${r.rounds.length === 1 ? '' : 's'}, 127.0.0.1 only, server pinned to core 0
(\`taskset -c 0\`), load generator to core 1. Peers: nginx serving the same files with no token check;
nginx + njs verifying RS256 per request in an \`auth_request\` (bench/njs/jwt.js, WebCrypto; njs 0.7 has
no cross-request cache, so every request imports the key and verifies); Portcullis started through
\`startServer\` (bench/serve-portcullis.mjs: the content listener of \`portcullis serve --workers 1 --no-admin
--log-level warn\`, without the CLI's store/admin parts). nginx runs with \`access_log off\`, so neither
writes access logs. wrk 1 thread;
(a)/(b) 64 connections, (c) 4 connections, ${r.seconds} s per run after a 1 s warm-up. In each round every
peer is started afresh and runs its scenarios; the table gives the median over rounds of each
number, and the ratio is the median of the per-round ratios (peers measured minutes apart on a
shared machine drift; within a round they are seconds apart).
(b) uses ${fmt(r.fresh)} pre-signed distinct tokens; the wrk script stops when they run out, so no
request is answered from a verification cache, and the rate is responses over the script's own window
(first to last response: ${freshWindows(r)}). (d) ${fmt(r.slowClients)} concurrent downloads of the 100 MiB
file, each reading 16 KiB every 250 ms, on a freshly started Portcullis; peak RSS is VmHWM from
/proc/<pid>/status and counts everything held for the downloads (each download's file buffer and
connection state), not the kernel's socket buffers.

- Date: ${r.facts.date}
- CPU: ${r.facts.cpu}
- Node.js ${r.facts.node}, nginx ${r.facts.nginx}, ${r.facts.wrk}
- 1-min load average during the runs: ${fmt(Math.min(...loads), 2)} to ${fmt(peakLoad, 2)}
- Per-round ratios: ${spread || 'not measured'}
${busy}
| Scenario | nginx (no check) | nginx + njs | portcullis | ratio | goal | met |
|---|---|---|---|---|---|---|
${row('(a) 1 KiB, one token reused', 'req/s', a, `${fmt(ra, 2)}× nginx`, '≥ 0.35× nginx', meets(ra, 0.35))}
${row('(b) 1 KiB, fresh token per request', 'req/s', b, `${fmt(rb, 2)}× nginx+njs`, '≥ 2.5× nginx+njs', meets(rb, 2.5))}
${row('(c) 100 MiB file', 'MiB/s', c, `${fmt(rc, 2)}× nginx`, '≥ 0.6× nginx', meets(rc, 0.6))}
| (d) ${fmt(r.slowClients)} slow downloads, peak RSS | – | – | ${fmt(peak, 1)} MiB (baseline ${fmt(d && d.baselineRss / MiB, 1)} MiB; ${fmt(d?.ok)} of ${fmt(d?.connected)} got 200) | – | < 150 MiB | ${peak === undefined ? '–' : peak < 150 ? 'yes' : '**no**'} |
`;
}

const START = '<!-- bench:serve:start -->';
const END = '<!-- bench:serve:end -->';

/** Puts `section` between the serve markers of `text`, replacing what was there, or appends it. */
export function spliceSection(text, section) {
  const block = `${START}\n${section.trimEnd()}\n${END}`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) return `${text.slice(0, a)}${block}${text.slice(b + END.length)}`;
  return `${text.trimEnd()}\n\n${block}\n`;
}

/** Replaces (or appends) the marked "## Serve" section of BENCHMARKS.md; returns the section. */
export async function writeResults(results) {
  const section = renderSection(results);
  let text;
  try {
    text = await readFile(FILE, 'utf8');
  } catch {
    text =
      '# Benchmarks\n\nResults written by the `npm run bench:*` scripts. Each section is replaced by its own script.\n';
  }
  await writeFile(FILE, spliceSection(text, section));
  return section;
}
