/**
 * bench:serve's report (bench/serve-report.mjs) on made-up results: a goal whose scenario had a
 * failure is never marked met, even when its median meets it; (d) counts downloads without a first
 * byte as a failure; missing access-log lines are a failure of (e); the chart is well-formed SVG.
 * Issue 17: the old report marked (d) met while 218 of 1,000 downloads never got a byte.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM bench script without types
import { renderChart } from '../../bench/serve-chart.mjs';
// @ts-expect-error -- plain ESM bench script without types
import { platformFloors, renderSection, summarise } from '../../bench/serve-report.mjs';

const ok = (rps: number, extra: Record<string, unknown> = {}) => ({
  rps,
  bytesPerSec: rps * 1024 * 1024,
  failures: [],
  cpuUsPerRequest: 1e6 / rps,
  load: '0.5',
  ...extra,
});

function round(overrides: Record<string, unknown> = {}) {
  return {
    'raw-verify': { perSecond: 40_000, perCpuSecond: 40_000, load: '0.5' },
    'a:portcullis': ok(20_000),
    'b:portcullis': ok(15_000),
    'c:portcullis': ok(2000),
    'a:portcullis-nolog': ok(21_000),
    'a:node-bare': ok(21_000),
    'a:nginx': ok(30_000),
    'c:nginx': ok(2000),
    'b:nginx+njs': ok(5000),
    'e:lines': { lines: 1000, answered: 1000 },
    ...overrides,
  };
}

function results(rounds: unknown[], d: Record<string, unknown> = {}) {
  return {
    facts: {
      date: '2026-12-05 12:00:00 UTC',
      cpu: 'AMD EPYC (2 cores)',
      cores: 2,
      node: 'v22.0.0',
      nginx: 'nginx/1.22.1',
      wrk: 'wrk 4.1.0',
    },
    seconds: 2,
    fresh: 1000,
    slowClients: 100,
    rounds,
    runs: {
      'd:portcullis': {
        clients: 100,
        connected: 100,
        firstByte: 100,
        ok: 100,
        ttfbP50: 10,
        ttfbP99: 50,
        ttfbMax: 60,
        progressed: 100,
        bytes: 1,
        errors: {},
        baselineRss: 100 * 1024 * 1024,
        peakRss: 101 * 1024 * 1024,
        load: '0.5',
        ...d,
      },
    },
  };
}

const goal = (
  s: { goals: { id: string; met: boolean | null; median?: number; failures: string[] }[] },
  id: string,
) => s.goals.find((g) => g.id === id)!;

describe('bench:serve report', () => {
  it('marks a goal met when the median meets it and nothing failed', () => {
    const s = summarise(results([round(), round(), round()]));
    expect(goal(s, 'a-nginx').met).toBe(true);
    expect(goal(s, 'b-njs').met).toBe(true);
    expect(s.dMet).toBe(true);
  });

  it('never marks a goal met when a run of its scenario failed', () => {
    const failed = round({ 'a:portcullis': ok(20_000, { failures: ['3 non-2xx answers'] }) });
    const r = results([round(), failed, round()]);
    const s = summarise(r);
    expect(goal(s, 'a-nginx').median).toBeGreaterThan(0.5);
    expect(goal(s, 'a-nginx').met).toBe(false);
    expect(renderSection(r)).toContain('round 2 portcullis: 3 non-2xx answers');
  });

  it("(b) is not met when its reference run (the reused token through (b)'s script) failed", () => {
    const failed = round({
      'b-same:portcullis': ok(20_000, { failures: ['2 socket errors (read)'] }),
    });
    const r = results([failed]);
    expect(goal(summarise(r), 'b-njs').met).toBe(false);
    expect(renderSection(r)).toContain('round 1 portcullis-same: 2 socket errors (read)');
    expect(renderSection(r)).toContain(
      "| CLI, one token reused through (b)'s script | – | 20,000 req/s",
    );
  });

  it('(d) with downloads that never got a first byte is not met, however small the memory', () => {
    const r = results([round()], { firstByte: 78, ok: 78, progressed: 78 });
    const s = summarise(r);
    expect(s.dMet).toBe(false);
    expect(renderSection(r)).toContain('22 got no first byte');
  });

  it('(e) with access-log lines missing is not met', () => {
    const r = results([round({ 'e:lines': { lines: 990, answered: 1000 } })]);
    expect(goal(summarise(r), 'e-log').met).toBe(false);
    expect(renderSection(r)).toContain('10 access-log lines missing');
  });

  it('(e) with more lines than requests answered or in flight is not met (a line written twice)', () => {
    // wrk does not count the requests in flight when it stops (one per connection): those lines are fine.
    const inFlight = results([round({ 'e:lines': { lines: 1064, answered: 1000, inFlight: 64 } })]);
    expect(goal(summarise(inFlight), 'e-log').failures).toEqual([]);
    const twice = results([round({ 'e:lines': { lines: 1100, answered: 1000, inFlight: 64 } })]);
    expect(goal(summarise(twice), 'e-log').met).toBe(false);
    expect(renderSection(twice)).toContain(
      '36 access-log lines more than requests answered or in flight',
    );
  });

  it('says so when the machine was busy', () => {
    const busy = round({ 'a:portcullis': ok(20_000, { load: '9.5' }) });
    expect(renderSection(results([busy]))).toContain('not conclusive');
    // The bench's own server and wrk keep a load of about 2: that alone is not "busy".
    const own = round({ 'a:portcullis': ok(20_000, { load: '2.3' }) });
    expect(renderSection(results([own]))).not.toContain('not conclusive');
    const other = round({ 'a:portcullis': ok(20_000, { load: '2.6' }) });
    expect(renderSection(results([other]))).toContain('not conclusive');
  });

  it("reports the platform's floors from the bare peers beside the CLI's numbers", () => {
    // Bare: 25k reused, 12.5k fresh → 40 µs more per request = 1.6 raw verifies at 40k/s; the CLI
    // (fresh 15k, reused 20k via (a)) 16.7 µs = 0.67. Bare log: 21k with the line, 28k without.
    const r = results([
      round({
        'a:node-bare-nolog': ok(28_000),
        'b:node-bare-verify': ok(12_500),
        'b-same:node-bare': ok(25_000),
      }),
    ]);
    const [b, e] = platformFloors(r);
    expect(b.floorMedian).toBeCloseTo(1.6, 5);
    expect(b.floorCpuMedian).toBeCloseTo(1.6, 5);
    expect(b.oursMedian).toBeCloseTo(40_000 / 15_000 - 40_000 / 20_000, 5);
    expect(e.floorMedian).toBeCloseTo(0.75, 5);
    expect(e.oursMedian).toBeCloseTo(20 / 21, 5);
    const text = renderSection(r);
    expect(text).toContain(
      '| (b) fresh-token cost beyond reused, in raw RSA verifies | 1.6 (CPU 1.6) |',
    );
    expect(text).toContain(
      '| (e) with the access line ÷ without | 0.75× (CPU 0.75×) | 0.95× (CPU 0.95×) |',
    );
  });

  it('leaves the floor table out when no bare floor peer ran', () => {
    expect(renderSection(results([round()]))).not.toContain('What the platform itself charges');
  });

  it('draws an SVG with a title and one mark per round', () => {
    const r = results([round(), round(), round()]);
    const svg = renderChart(r, summarise(r));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>bench:serve');
    expect(svg.match(/r="5"/g)?.length).toBe(6 * 3 + 2);
  });
});
