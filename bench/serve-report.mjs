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

function freshWindows(r) {
  const parts = ['nginx+njs', 'portcullis']
    .map((p) => [p, r.runs[`b:${p}`]])
    .filter(([, v]) => v?.freshSeconds !== undefined)
    .map(([p, v]) => `${p} ${fmt(v.freshResponses)} in ${fmt(v.freshSeconds, 2)} s`);
  return parts.length ? parts.join(', ') : 'not measured';
}

/** Builds the section text (heading included) from the results object. */
export function renderSection(r) {
  const run = (k) => r.runs[k];
  const rps = (s) => ({
    nginx: run(`${s}:nginx`)?.rps,
    'nginx+njs': run(`${s}:nginx+njs`)?.rps,
    portcullis: run(`${s}:portcullis`)?.rps,
  });
  const a = rps('a');
  const b = rps('b');
  const c = {
    nginx: run('c:nginx') && run('c:nginx').bytesPerSec / MiB,
    portcullis: run('c:portcullis') && run('c:portcullis').bytesPerSec / MiB,
  };
  const d = run('d:portcullis');
  const ra = a.portcullis / a.nginx;
  const rb = b.portcullis / b['nginx+njs'];
  const rc = c.portcullis / c.nginx;
  const peak = d ? d.peakRss / MiB : undefined;
  const loads = Object.entries(r.runs).map(([k, v]) => `${k} ${v.load}`);
  const peakLoad = Math.max(...Object.values(r.runs).map((v) => Number.parseFloat(v.load) || 0));
  const busy =
    peakLoad > r.facts.cores
      ? `\n> **Measured on a busy machine** (1-min load average up to ${peakLoad} on ${r.facts.cores} cores:
> other jobs competed for both pinned cores). Peers were measured one after another, so the ratios
> below are not trustworthy; re-run \`npm run bench:serve\` on a quiet machine.\n`
      : '';
  return `## Serve

\`npm run bench:serve\` (bench/serve.mjs). One run, 127.0.0.1 only, server pinned to core 0
(\`taskset -c 0\`), load generator to core 1. Peers: nginx serving the same files with no token check;
nginx + njs verifying RS256 per request in an \`auth_request\` (bench/njs/jwt.js, WebCrypto; njs 0.7 has
no cross-request cache, so every request imports the key and verifies); Portcullis started through
\`startServer\` (bench/serve-portcullis.mjs: the content listener of \`portcullis serve --workers 1 --no-admin
--log-level warn\`, without the CLI's store/admin parts). nginx runs with \`access_log off\`, so neither
writes access logs. wrk 1 thread;
(a)/(b) 64 connections, (c) 4 connections, ${r.seconds} s per run after a 1 s warm-up.
(b) uses ${fmt(r.fresh)} pre-signed distinct tokens; the wrk script stops when they run out, so no
request is answered from a verification cache, and the rate is responses over the script's own window
(first to last response: ${freshWindows(r)}). (d) ${fmt(r.slowClients)} concurrent downloads of the 100 MiB
file, each reading 16 KiB every 250 ms, on a freshly started Portcullis; peak RSS is VmHWM from
/proc/<pid>/status and counts everything held for the downloads (read-stream buffers, the chunk
waiting in each socket's write buffer), not the kernel's socket buffers.

- Date: ${r.facts.date}
- CPU: ${r.facts.cpu}
- Node.js ${r.facts.node}, nginx ${r.facts.nginx}, ${r.facts.wrk}
- Load average during the runs (1/5/15 min): ${loads.join('; ')}
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
