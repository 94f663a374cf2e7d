// Renders bench/serve.mjs results: per-round ratios against issue 17's goals, the failures of each
// scenario, a Markdown section and an SVG chart of the per-round ratios. Writes the section between
// the <!-- bench:serve:nodeNN:start/end --> markers of BENCHMARKS.md (one per Node major, so runs on
// Node 22 and 24 stand side by side) and the chart to docs/bench/serve-nodeNN.svg. A goal is met
// only when its median meets it AND no run of its scenario failed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './serve-chart.mjs';

const FILE = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const MiB = 1024 * 1024;
/** Runnable processes the bench itself keeps: the pinned server and wrk. */
const BENCH_OWN_LOAD = 2;
const KiB = 1024;

const fmt = (n, digits = 0) =>
  typeof n !== 'number' || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

const median = (values) => {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

const rate = (run, scenario) =>
  run === undefined ? undefined : scenario === 'c' ? run.bytesPerSec / MiB : run.rps;

/**
 * The goals of issue 17 that are ratios within one round. `value(runs)` gives one round's number;
 * `higher` says which way is better.
 */
export const RATIO_GOALS = [
  {
    id: 'a-nginx',
    scenario: 'a',
    label: '(a) CLI ÷ nginx (access logs on)',
    goal: 0.5,
    higher: true,
    value: (r) => rate(r['a:portcullis'], 'a') / rate(r['a:nginx'], 'a'),
  },
  {
    id: 'a-bare',
    scenario: 'a',
    label: '(a) CLI ÷ bare node:http + same log line',
    goal: 0.9,
    higher: true,
    value: (r) => rate(r['a:portcullis'], 'a') / rate(r['a:node-bare'], 'a'),
  },
  {
    id: 'b-extra',
    scenario: 'b',
    label: '(b) fresh-token cost beyond reused, in raw RSA verifies',
    goal: 1.3,
    higher: false,
    value: (r) =>
      (1 / rate(r['b:portcullis'], 'b') - 1 / reusedRate(r)) * r['raw-verify']?.perSecond,
  },
  {
    id: 'b-njs',
    scenario: 'b',
    label: '(b) CLI fresh ÷ nginx+njs',
    goal: 2.5,
    higher: true,
    value: (r) => rate(r['b:portcullis'], 'b') / rate(r['b:nginx+njs'], 'b'),
  },
  {
    id: 'c-nginx',
    scenario: 'c',
    label: '(c) 100 MiB: CLI ÷ nginx (sendfile, tcp_nopush)',
    goal: 0.9,
    higher: true,
    value: (r) => rate(r['c:portcullis'], 'c') / rate(r['c:nginx'], 'c'),
  },
  {
    id: 'e-log',
    scenario: 'a',
    label: '(e) CLI with access log ÷ CLI --log-level warn',
    goal: 0.9,
    higher: true,
    value: (r) => rate(r['a:portcullis'], 'a') / rate(r['a:portcullis-nolog'], 'a'),
  },
];

/**
 * (b)'s reference: the reused token sent by (b)'s own script (same client cost on both sides);
 * results recorded before that run existed used (a)'s plain wrk rate.
 */
function reusedRate(r) {
  return r['b-same:portcullis'] ? rate(r['b-same:portcullis'], 'b') : rate(r['a:portcullis'], 'a');
}

/** The same comparisons in server CPU µs per request (from /proc: steadier on a shared machine). */
function cpuRatios(r) {
  const cpu = (k) => r[k]?.cpuUsPerRequest;
  const rawUs = 1e6 / (r['raw-verify']?.perCpuSecond ?? Number.NaN);
  return {
    'a-bare': cpu('a:node-bare') / cpu('a:portcullis'),
    'a-nginx': cpu('a:nginx') / cpu('a:portcullis'),
    'b-extra':
      (cpu('b:portcullis') - cpu(r['b-same:portcullis'] ? 'b-same:portcullis' : 'a:portcullis')) /
      rawUs,
    'e-log': cpu('a:portcullis-nolog') / cpu('a:portcullis'),
  };
}

/**
 * What the platform itself charges for what two goals price, from the bare node:http peers of the
 * same rounds (informational rows beside the goals, never goals themselves): `floor` is the bare
 * handler's number, `ours` the CLI's. A goal set below its floor cannot be met by any Node process.
 */
export const PLATFORM_FLOORS = [
  {
    id: 'b-extra',
    label: '(b) fresh-token cost beyond reused, in raw RSA verifies',
    floor: (r) =>
      (1 / rate(r['b:node-bare-verify'], 'b') - 1 / rate(r['b-same:node-bare'], 'b')) *
      r['raw-verify']?.perSecond,
    floorCpu: (r) =>
      (r['b:node-bare-verify']?.cpuUsPerRequest - r['b-same:node-bare']?.cpuUsPerRequest) /
      (1e6 / (r['raw-verify']?.perCpuSecond ?? Number.NaN)),
    ours: (r) => RATIO_GOALS.find((g) => g.id === 'b-extra').value(r),
    oursCpu: (r) => cpuRatios(r)['b-extra'],
    unit: '',
  },
  {
    id: 'e-log',
    label: '(e) with the access line ÷ without',
    floor: (r) => rate(r['a:node-bare'], 'a') / rate(r['a:node-bare-nolog'], 'a'),
    floorCpu: (r) => r['a:node-bare-nolog']?.cpuUsPerRequest / r['a:node-bare']?.cpuUsPerRequest,
    ours: (r) => RATIO_GOALS.find((g) => g.id === 'e-log').value(r),
    oursCpu: (r) => cpuRatios(r)['e-log'],
    unit: '×',
  },
];

/** Medians over the rounds of every platform-floor row (undefined where a peer did not run). */
export function platformFloors(r) {
  const med = (f) => median(r.rounds.map((runs) => f(runs)));
  return PLATFORM_FLOORS.map((p) => ({
    ...p,
    floorMedian: med(p.floor),
    floorCpuMedian: med(p.floorCpu),
    oursMedian: med(p.ours),
    oursCpuMedian: med(p.oursCpu),
  }));
}

function floorTable(r) {
  const rows = platformFloors(r)
    .filter((p) => p.floorMedian !== undefined)
    .map(
      (p) =>
        `| ${p.label} | ${fmt(p.floorMedian, 2)}${p.unit} (CPU ${fmt(p.floorCpuMedian, 2)}${p.unit}) | ${fmt(p.oursMedian, 2)}${p.unit} (CPU ${fmt(p.oursCpuMedian, 2)}${p.unit}) |`,
    );
  if (rows.length === 0) return '';
  return `
What the platform itself charges, same rounds (bare node:http: \`--verify\` checks each token's RS256 signature with one
\`crypto.verify\` and nothing else; \`--no-log\` drops the access line):

| Comparison (median of rounds) | Bare node:http | Portcullis CLI |
|---|---|---|
${rows.join('\n')}
`;
}

/** Failures of every run of a scenario, as text, plus the access-log line check for (e). */
function failuresOf(r, scenario) {
  const out = [];
  r.rounds.forEach((runs, i) => {
    for (const [key, run] of Object.entries(runs)) {
      // The CLI's reference run for (b)'s fresh-token cost is part of its scenario.
      const reference = key === `${scenario}-same:portcullis`;
      if ((!key.startsWith(`${scenario}:`) && !reference) || !run.failures?.length) continue;
      const peer = reference ? 'portcullis-same' : key.slice(2);
      out.push(`round ${i + 1} ${peer}: ${run.failures.join(', ')}`);
    }
    const lines = runs['e:lines'];
    if (scenario === 'e' && lines && lines.lines < lines.answered) {
      out.push(`round ${i + 1}: ${lines.answered - lines.lines} access-log lines missing`);
    }
    // More lines than answered requests: those in flight when a wrk run stopped (at most one per
    // connection) are logged but not counted by wrk; anything beyond that is a line written twice.
    const extra = lines ? lines.lines - lines.answered - (lines.inFlight ?? Infinity) : 0;
    if (scenario === 'e' && extra > 0) {
      out.push(
        `round ${i + 1}: ${extra} access-log lines more than requests answered or in flight`,
      );
    }
  });
  return out;
}

function dFailures(d, r) {
  if (!d) return ['not measured'];
  const out = [];
  if (d.connected < r.slowClients) out.push(`${r.slowClients - d.connected} never connected`);
  if (d.firstByte < d.connected) out.push(`${d.connected - d.firstByte} got no first byte`);
  if (d.ok < d.firstByte) out.push(`${d.firstByte - d.ok} answered other than 200`);
  if (d.progressed < d.firstByte) out.push(`${d.firstByte - d.progressed} did not keep moving`);
  for (const [code, n] of Object.entries(d.errors ?? {})) out.push(`${n} × ${code}`);
  return out;
}

function verdict(met, busy) {
  if (met === null) return 'not measured';
  const word = met ? 'yes' : '**no**';
  return busy ? `${word} (busy machine: not conclusive)` : word;
}

/** Everything the section and the chart need, computed once. */
export function summarise(r) {
  const loads = [...r.rounds.flatMap((runs) => Object.values(runs)), ...Object.values(r.runs)]
    .map((v) => Number.parseFloat(v.load))
    .filter(Number.isFinite);
  // The bench's own two pinned processes (server and wrk) keep about 2 runnable: other jobs are
  // what the load average shows beyond that. Busy = other jobs worth half a core or more.
  const busy = loads.some((l) => l > BENCH_OWN_LOAD + 0.5 && l > r.facts.cores);
  const goals = RATIO_GOALS.map((g) => {
    const rounds = r.rounds.map((runs) => g.value(runs));
    const med = median(rounds);
    const failures = failuresOf(r, g.id === 'e-log' ? 'e' : g.scenario).concat(
      g.id === 'e-log' ? failuresOf(r, 'a') : [],
    );
    const cpuRounds = r.rounds.map((runs) => cpuRatios(runs)[g.id]);
    const cpu = median(cpuRounds);
    const meets = med === undefined ? null : g.higher ? med >= g.goal : med <= g.goal;
    return {
      ...g,
      rounds,
      median: med,
      cpu,
      cpuRounds,
      failures,
      met: meets === null ? null : meets && failures.length === 0,
    };
  });
  const d = r.runs['d:portcullis'];
  const perDownload = d ? (d.peakRss - d.baselineRss) / (d.firstByte || r.slowClients) : undefined;
  const dFails = dFailures(d, r);
  const dMet = d
    ? dFails.length === 0 && d.ttfbP99 !== null && d.ttfbP99 < 2000 && perDownload <= 64 * KiB
    : null;
  return { loads, busy, goals, d, perDownload, dFails, dMet };
}

function peerTable(r) {
  // [peer, label, scenarios of the row's a/b/c columns]: a 'b-same' run (the reused token through
  // (b)'s script, the reference of a fresh-token cost) gets a row of its own in the (b) column.
  const same = [null, 'b-same', null];
  const peers = [
    ['portcullis', 'CLI defaults (access log on)'],
    ['portcullis', "CLI, one token reused through (b)'s script", same],
    ['portcullis-nolog', 'CLI --log-level warn'],
    ['portcullis-lib', 'library startServer, warn'],
    ['node-bare', 'bare node:http + same log line'],
    ['node-bare', "bare node:http + same log line, one token reused through (b)'s script", same],
    ['node-bare-nolog', 'bare node:http, no log line'],
    ['node-bare-verify', 'bare node:http + one RS256 verify + log line'],
    ['nginx', 'nginx, access log on'],
    ['nginx+njs', 'nginx + njs RS256, access log on'],
  ];
  const cell = (p, column, s) => {
    if (s === null) return '–';
    const v = median(r.rounds.map((runs) => rate(runs[`${s}:${p}`], column)));
    const cpu = median(r.rounds.map((runs) => runs[`${s}:${p}`]?.cpuUsPerRequest));
    if (v === undefined) return '–';
    const unit = column === 'c' ? 'MiB/s' : 'req/s';
    return `${fmt(v)} ${unit}${column !== 'c' && cpu !== undefined ? ` (${fmt(cpu, 1)} µs CPU/req)` : ''}`;
  };
  const rows = peers
    .map(([p, what, scenarios = ['a', 'b', 'c']]) => [p, what, scenarios])
    .filter(([p, , scenarios]) =>
      r.rounds.some((runs) => scenarios.some((s) => s !== null && runs[`${s}:${p}`])),
    )
    .map(
      ([p, what, [a, b, c]]) =>
        `| ${what} | ${cell(p, 'a', a)} | ${cell(p, 'b', b)} | ${cell(p, 'c', c)} |`,
    );
  const raw = median(r.rounds.map((runs) => runs['raw-verify']?.perSecond));
  return `| Peer (median of rounds) | (a) 1 KiB, token reused | (b) 1 KiB, fresh token | (c) 100 MiB |
|---|---|---|---|
${rows.join('\n')}
| raw \`crypto.verify\`, same key, same core | ${fmt(raw)} verifies/s | | |`;
}

/** Builds the section text (heading included) from the results object. */
export function renderSection(r, chartPath = null) {
  const s = summarise(r);
  const major = r.facts.node.split('.')[0].replace('v', '');
  const goalRows = s.goals.map((g) => {
    const unit = g.id === 'b-extra' ? '' : '×';
    const cmp = g.higher ? '≥' : '≤';
    const cpu = g.cpu === undefined || !Number.isFinite(g.cpu) ? '–' : `${fmt(g.cpu, 2)}${unit}`;
    return `| ${g.label} | ${fmt(g.median, 2)}${unit} | ${g.rounds.map((x) => fmt(x, 2)).join(', ')} | ${cpu} | ${cmp} ${g.goal}${unit} | ${g.failures.length ? g.failures.join('; ') : 'none'} | ${verdict(g.met, s.busy)} |`;
  });
  const d = s.d;
  const dRow = d
    ? `| (d) ${fmt(r.slowClients)} slow downloads | first byte ${fmt(d.firstByte)}/${fmt(r.slowClients)}, p50 ${fmt(d.ttfbP50, 0)} ms, **p99 ${fmt(d.ttfbP99, 0)} ms**, max ${fmt(d.ttfbMax, 0)} ms; kept moving ${fmt(d.progressed)}; peak RSS ${fmt(d.peakRss / MiB, 1)} MiB over idle ${fmt(d.baselineRss / MiB, 1)} MiB = **${fmt(s.perDownload / KiB, 1)} KiB per download** | – | – | p99 < 2 s, every download moving, ≤ 64 KiB/download | ${s.dFails.length ? s.dFails.join('; ') : 'none'} | ${verdict(s.dMet, s.busy)} |`
    : '| (d) slow downloads | not measured | – | – | – | – | not measured |';
  const lines = r.rounds
    .map((runs) => runs['e:lines'])
    .filter(Boolean)
    .map(
      (l) =>
        `${fmt(l.lines)} lines / ${fmt(l.answered)} answered${l.inFlight === undefined ? '' : ` + ≤ ${fmt(l.inFlight)} in flight`}`,
    )
    .join(', ');
  return `## Serve (Node ${major})

\`npm run bench:serve\` (bench/serve.mjs) — ${r.facts.date}; ${r.facts.cpu}; Node.js ${r.facts.node}; ${r.facts.nginx}; ${r.facts.wrk}.
1-min load average during the runs: ${fmt(Math.min(...s.loads), 2)} to ${fmt(Math.max(...s.loads), 2)} on ${r.facts.cores} cores (the bench's own server and wrk make about ${BENCH_OWN_LOAD})${s.busy ? ' — **busy machine**: other jobs shared the pinned cores, so every verdict below is marked not conclusive' : ''}.
${r.rounds.length} rounds, ${r.seconds} s per measurement after a 1 s warm-up (server on core 0, wrk 1 thread on core 1;
(a)/(b) 64 connections, (c) 4). Portcullis runs as the README starts it: \`node dist/cli/main.js serve --root … --key …
--workers 1\` with default logging, stdout (the access log) to a file; the admin listener on. (b): ${fmt(r.fresh)} distinct
pre-signed tokens per round, each used once, rate over the script's own window; the fresh-token cost is measured against
the same script sending the reused token (the client's own cost on both sides). Ratios are medians of per-round ratios;
"CPU" repeats the comparison in server CPU µs per request read from /proc (less sensitive to other load). A goal is met
only when the median meets it and no run of the scenario failed.${chartPath ? `\n\n![Per-round ratios against the goals](${chartPath})` : ''}

| Goal | Median | Rounds | CPU | Goal | Failures | Met |
|---|---|---|---|---|---|---|
${goalRows.join('\n')}
${dRow}

Access-log lines of the CLI peer against the requests answered to wrk (goal e, no line lost): ${lines || 'not measured'}.
${floorTable(r)}
${peerTable(r)}
`;
}

/** Puts `section` between `start` and `end` markers of `text`, replacing what was there, or appends it. */
export function spliceSection(text, section, start, end) {
  const block = `${start}\n${section.trimEnd()}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return `${text.slice(0, a)}${block}${text.slice(b + end.length)}`;
  return `${text.trimEnd()}\n\n${block}\n`;
}

/** Replaces (or appends) this Node major's serve section of BENCHMARKS.md and writes its chart. */
export async function writeResults(results) {
  const major = results.facts.node.split('.')[0].replace('v', '');
  const chartRel = `docs/bench/serve-node${major}.svg`;
  const chartFile = fileURLToPath(new URL(`../${chartRel}`, import.meta.url));
  await mkdir(dirname(chartFile), { recursive: true });
  await writeFile(chartFile, renderChart(results, summarise(results)));
  const section = renderSection(results, chartRel);
  // The raw numbers, for re-rendering (`node bench/serve-report.mjs <json>`); bench/results/ is not committed.
  const raw = fileURLToPath(new URL(`results/serve-node${major}.json`, import.meta.url));
  await mkdir(dirname(raw), { recursive: true });
  await writeFile(
    raw,
    JSON.stringify({ ...results, facts: { ...results.facts, load: undefined } }),
  );
  const text = await readFile(FILE, 'utf8');
  const start = `<!-- bench:serve:node${major}:start -->`;
  const end = `<!-- bench:serve:node${major}:end -->`;
  await writeFile(FILE, spliceSection(text, section, start, end));
  return section;
}

// `node bench/serve-report.mjs bench/results/serve-node22.json`: re-renders section and chart.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  const results = JSON.parse(await readFile(process.argv[2], 'utf8'));
  process.stdout.write(`${await writeResults(results)}\n`);
}
