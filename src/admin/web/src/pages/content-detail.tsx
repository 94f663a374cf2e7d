/**
 * One catalog item: its metadata and the install panel — a signed download link for a chosen
 * configuration, the itms-services link and QR code (apps), the manifest and MDM command plists.
 */
import { useEffect, useState } from 'preact/hooks';
import { DeclarationPanel } from '../components/declaration-panel.js';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { InstallPanel } from '../components/install-panel.js';
import { ManifestLinksPanel } from '../components/manifest-links-panel.js';
import { orEmpty } from '../components/table.js';
import { api, contentUrl } from '../lib/api.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { preferredConfiguration } from '../lib/preferred.js';
import { Link } from '../lib/router.js';
import type { ContentItem } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';
import { loadConfigurations } from './configurations.js';
import { KIND_LABEL, platformsOf } from './content.js';

const HIDDEN = new Set([
  'path',
  'metadata',
  'warnings',
  'sha256',
  'size',
  'kind',
  'etag',
  'revision',
]);
/** Friendly names for the metadata the catalog reads; other keys are shown humanised. */
const LABELS: Record<string, string> = {
  bundleId: 'Bundle ID',
  version: 'Version',
  buildVersion: 'Build',
  title: 'Title',
  minimumOsVersion: 'Minimum OS',
  platforms: 'Platforms',
  profileName: 'Provisioning profile',
  teamName: 'Team',
  profileExpiresAt: 'Profile expires',
  identifier: 'Identifier',
  author: 'Author',
  language: 'Language',
  pageCount: 'Pages',
  createdAt: 'Added',
  updatedAt: 'Updated',
  uploadedBy: 'Uploaded by',
};
const labelOf = (key: string) =>
  LABELS[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

function stringList(v: unknown): string | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')
    ? v.join(', ')
    : undefined;
}

/** Content detail page. */
export function ContentDetailPage({ path }: { path: string }) {
  const item = useResource(() => api<ContentItem>('GET', contentUrl(path)), [path]);
  const configs = useResource(loadConfigurations, []);
  const [configId, setConfigId] = useState('');
  // Same rule as the signer's (admin mints); the API refuses others with SIGNING_FORBIDDEN anyway.
  const canSign = useCanWrite();
  const enabled = (configs.data ?? []).filter((c) => c.enabled);
  useEffect(() => {
    // Functional update: a choice the user made while the list loaded must win. Never the
    // zero-config "Default" while the admin has a key of their own.
    const preferred = preferredConfiguration(enabled);
    if (preferred) setConfigId((current) => current || preferred.id);
  }, [configs.data]);

  const data = item.data;
  // Scalars, and lists of strings (platforms) joined; nested objects belong to the raw metadata.
  const extra = data
    ? Object.entries({ ...(data.metadata ?? {}), ...data })
        .map(([k, v]): [string, unknown] => [k, stringList(v) ?? v])
        .filter(([k, v]) => !HIDDEN.has(k) && v !== null && v !== '' && typeof v !== 'object')
    : [];
  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/content">Content</Link> › {path}
      </nav>
      <h1 class="mono-title">{path}</h1>
      <ErrorBanner error={item.error} />
      {data && (
        <>
          <dl class="facts">
            <dt>Kind</dt>
            <dd>{KIND_LABEL[data.kind] ?? data.kind}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(data.size)}</dd>
            <dt>SHA-256</dt>
            <dd class="mono break">{data.sha256}</dd>
            {extra.map(([k, v]) => (
              <div key={k}>
                <dt>{labelOf(k)}</dt>
                <dd>{/At$/.test(k) ? formatTime(v as string) : String(v)}</dd>
              </div>
            ))}
          </dl>
          {(data.warnings?.length ?? 0) > 0 && (
            <ul class="warnings">
              {data.warnings!.map((w) => {
                const text =
                  typeof w === 'string' ? w : `${w.code}${w.message ? `: ${w.message}` : ''}`;
                return <li key={text}>⚠ {text}</li>;
              })}
            </ul>
          )}
        </>
      )}
      {canSign ? (
        <InstallSection
          path={path}
          data={data}
          configId={configId}
          setConfigId={setConfigId}
          enabled={enabled}
        />
      ) : (
        <div class="panel">
          <h2>Install</h2>
          {/* Install links carry download tokens; minting them needs the admin role. */}
          <p>Signed install links, manifests and QR codes need an admin account.</p>
        </div>
      )}
      {data && (data.kind === 'app' || data.kind === 'package') && (
        <ManifestLinksPanel path={path} canSign={canSign} configurations={enabled} />
      )}
    </section>
  );
}

function InstallSection({
  path,
  data,
  configId,
  setConfigId,
  enabled,
}: {
  path: string;
  data: ContentItem | undefined;
  configId: string;
  setConfigId: (id: string) => void;
  enabled: { id: string; displayName: string }[];
}) {
  return (
    <div class="panel">
      <h2>Install</h2>
      {data && (
        <p id="install-platforms">
          Installs on: <strong>{orEmpty(platformsOf(data))}</strong>
        </p>
      )}
      <Field
        id="install-config"
        label="JWT configuration"
        hint="Links are signed with this configuration's key and expiry."
      >
        <select
          id="install-config"
          value={configId}
          onChange={(e) => setConfigId(e.currentTarget.value)}
          {...describedBy('install-config', undefined, true)}
        >
          {enabled.length === 0 && <option value="">No enabled configuration</option>}
          {enabled.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </Field>
      {configId && data && <InstallPanel path={path} configId={configId} />}
      {configId && data && <DeclarationPanel path={path} kind={data.kind} configId={configId} />}
    </div>
  );
}
