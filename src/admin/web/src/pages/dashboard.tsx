/**
 * Dashboard: downloads and refusals over the last 24 hours, refusals by reason, busiest items,
 * keys due for rotation and serve health. Polls every 10 seconds.
 */
import { ActivityChart, BarList } from '../components/chart.js';
import { DefaultNotice } from '../components/default-notice.js';
import { ErrorBanner } from '../components/field.js';
import { api } from '../lib/api.js';
import { ageInDays, pluralDays, rotationSummary, toMs } from '../lib/format.js';
import { Link } from '../lib/router.js';
import type { AuditStats, Configuration } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { loadConfigurations } from './configurations.js';

const POLL_MS = 10_000;
// Outcomes that are not refusals (served files and health answers, if the sink records them).
const SERVED = new Set(['OK', 'NOT_MODIFIED', 'PARTIAL', 'READY', 'HEALTH']);
const DEFAULT_ROTATION_DAYS = 365;

/** Server readiness as reported by the content listener's readyz. */
interface Health {
  ok: boolean;
  status: number;
  checks?: Record<string, unknown>;
  detail?: string;
}

async function loadDashboard() {
  const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
  const [stats, configurations, settings, health] = await Promise.all([
    api<AuditStats>('GET', `/api/v1/audit/stats?since=${encodeURIComponent(since)}&bucket=1h`),
    loadConfigurations(),
    api<Record<string, unknown>>('GET', '/api/v1/settings').catch(
      () => ({}) as Record<string, unknown>,
    ),
    api<Health>('GET', '/api/v1/tools/health').catch(
      (err: Error) => ({ ok: false, status: 0, detail: err.message }) as Health,
    ),
  ]);
  return { stats, configurations, settings, health };
}

/** Dashboard page. */
export function DashboardPage() {
  const res = useResource(loadDashboard, [], POLL_MS);
  const d = res.data;
  return (
    <section>
      <header class="page-head">
        <h1>Dashboard</h1>
        <span class="muted" aria-live="polite">
          {res.loading && !d ? 'Loading…' : 'Updates every 10 s'}
        </span>
      </header>
      <ErrorBanner error={res.error} />
      {d && <DefaultNotice configurations={d.configurations} onChanged={() => void res.reload()} />}
      {d && (
        <div class="grid">
          <div class="card wide">
            <h2>Downloads and refusals, last 24 hours</h2>
            <ActivityChart
              label="Downloads and refusals per hour"
              buckets={d.stats.buckets.map((b) => ({
                t: toMs(b.t) ?? 0,
                ok: b.ok,
                refused: b.refused,
              }))}
            />
          </div>
          <div class="card">
            <h2>Refusals by reason</h2>
            <BarList
              empty="No refusals."
              rows={Object.entries(d.stats.byOutcome)
                .filter(([k]) => !SERVED.has(k))
                .map(([name, count]) => ({ name, count }))
                .sort((a, b) => b.count - a.count)}
            />
          </div>
          <div class="card">
            <h2>Busiest items</h2>
            {d.stats.topPaths.length === 0 ? (
              <p class="muted">No downloads yet.</p>
            ) : (
              <table class="table compact">
                <thead>
                  <tr>
                    <th scope="col">Path</th>
                    <th scope="col">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {d.stats.topPaths.map((p) => (
                    <tr key={p.path}>
                      <td class="mono truncate">{p.path}</td>
                      <td>{p.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <RotationCard configurations={d.configurations} settings={d.settings} />
          <HealthCard health={d.health} />
        </div>
      )}
    </section>
  );
}

function rotationDays(settings: Record<string, unknown>): number {
  const v = Number(settings.keyRotationDays);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_ROTATION_DAYS;
}

function RotationCard({
  configurations,
  settings,
}: {
  configurations: Configuration[];
  settings: Record<string, unknown>;
}) {
  const limit = rotationDays(settings);
  const due = configurations
    .map((c) => ({ c, age: ageInDays(c.rotatedAt ?? c.createdAt) }))
    .filter((x) => x.age >= limit - 30)
    .sort((a, b) => b.age - a.age);
  return (
    <div class="card">
      <h2>Key rotation</h2>
      <p class="muted">Rotation age: {limit} days.</p>
      {due.length === 0 ? (
        <p>{rotationSummary(configurations.length, limit - 30)}</p>
      ) : (
        <ul class="plain">
          {due.map(({ c, age }) => (
            <li key={c.id}>
              <Link href={`/configurations/${encodeURIComponent(c.id)}`}>{c.displayName}</Link>:{' '}
              {pluralDays(age)}{' '}
              <span class={age >= limit ? 'pill bad' : 'pill warn'}>
                {age >= limit ? 'rotate now' : 'rotate soon'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function HealthCard({ health }: { health: Health }) {
  const checks = Object.entries(health.checks ?? {});
  return (
    <div class="card">
      <h2>Serve health</h2>
      <p>
        {health.ok ? <span class="pill ok">Ready</span> : <span class="pill bad">Not ready</span>}{' '}
        {health.status ? <span class="muted">readyz answered {health.status}</span> : null}
      </p>
      {health.detail && <p class="muted">{health.detail}</p>}
      {checks.length > 0 && (
        <ul class="plain">
          {checks.map(([k, v]) => (
            <li key={k}>
              {k}: <span class="mono">{typeof v === 'object' ? JSON.stringify(v) : String(v)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
