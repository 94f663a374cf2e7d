/**
 * Declaration export for one catalog item (POST /api/v1/declarations): choose the declaration,
 * the manifest link it carries (an active link of this item, or a new one — the console says when
 * one was created), the install and update behaviour; then copy or download the JSON for the
 * MDM. docs/ddm.md explains which URL goes where.
 */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../lib/api.js';
import { saveText } from '../lib/download.js';
import type { ApiWarning } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { CopyField, describedBy, ErrorBanner, Field } from './field.js';
import { WarningBanner } from './warnings.js';

/** The declarations that fit each content kind (as the API decides). */
const TYPES: Record<string, Array<{ value: string; label: string }>> = {
  package: [
    { value: 'package', label: 'Package (com.apple.configuration.package, macOS 26)' },
    { value: 'asset.data', label: 'Data asset (com.apple.asset.data)' },
  ],
  app: [
    { value: 'app.managed', label: 'Managed app (com.apple.configuration.app.managed, iOS)' },
    { value: 'asset.data', label: 'Data asset (com.apple.asset.data)' },
  ],
};
const ASSET_ONLY = [{ value: 'asset.data', label: 'Data asset (com.apple.asset.data)' }];

interface LinkView {
  id: string;
  label: string;
  status: string;
  expiresAt: string;
}

interface Exported {
  declaration: { Identifier: string };
  link: { id: string; label: string; expiresAt: string; created: boolean } | null;
  warnings: ApiWarning[];
}

/** The Declaration panel of a content item. */
export function DeclarationPanel({
  path,
  kind,
  configId,
}: {
  path: string;
  kind: string;
  configId: string;
}) {
  const types = TYPES[kind] ?? ASSET_ONLY;
  const [type, setType] = useState(types[0]!.value);
  const [linkChoice, setLinkChoice] = useState('new');
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('365');
  const [install, setInstall] = useState('');
  const [updates, setUpdates] = useState('');
  const [backup, setBackup] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<Error | null>(null);
  const [result, setResult] = useState<Exported | null>(null);
  const [busy, setBusy] = useState(false);
  const links = useResource(
    () =>
      api<{ items: LinkView[] }>('GET', `/api/v1/manifest-links?path=${encodeURIComponent(path)}`),
    [path, result?.link?.id],
  );
  const active = (links.data?.items ?? []).filter((l) => l.status === 'active');
  const needsLink = type !== 'asset.data';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    setBusy(true);
    const body: Record<string, unknown> = { path, type };
    if (needsLink) {
      if (linkChoice === 'new')
        body.newLink = {
          configurationId: configId,
          label: label.trim(),
          expiresInDays: Number(days),
        };
      else body.linkId = linkChoice;
      if (install) body.install = install;
    }
    if (type === 'app.managed') {
      if (updates) body.automaticAppUpdates = updates;
      if (backup) body.includeInBackup = backup === 'true';
    }
    try {
      setResult(await api<Exported>('POST', '/api/v1/declarations', body));
    } catch (err) {
      const found = err instanceof ApiError ? err.fieldErrors : {};
      setFields(found);
      if (Object.keys(found).length === 0) setError(err as Error);
      setResult(null);
    } finally {
      setBusy(false);
    }
  };

  const json = result ? JSON.stringify(result.declaration, null, 2) : '';
  return (
    <div class="declaration" id="declaration">
      <h2>Declaration</h2>
      <p class="muted">
        For MDMs with declarative device management. The manifest URL inside is a manifest link:
        long-lived and revocable; each fetch hands the device a fresh short-lived download token.
      </p>
      <form onSubmit={submit} noValidate>
        <ErrorBanner error={error} />
        <Field id="declaration-type" label="Declaration type" error={fields.type}>
          <select
            id="declaration-type"
            value={type}
            onChange={(e) => setType(e.currentTarget.value)}
            {...describedBy('declaration-type', fields.type)}
          >
            {types.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
        {needsLink && (
          <>
            <Field
              id="declaration-link"
              label="Manifest link"
              error={fields.linkId ?? fields.newLink}
              hint="Exporting again with the same link gives the same declaration; a new link is a new credential."
            >
              <select
                id="declaration-link"
                value={linkChoice}
                onChange={(e) => setLinkChoice(e.currentTarget.value)}
                {...describedBy('declaration-link', fields.linkId ?? fields.newLink, true)}
              >
                <option value="new">Create a new link (signed with the configuration above)</option>
                {active.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.label} — expires {l.expiresAt.slice(0, 10)}
                  </option>
                ))}
              </select>
            </Field>
            {linkChoice === 'new' && (
              <>
                <Field id="declaration-label" label="Label" error={fields['newLink.label']}>
                  <input
                    id="declaration-label"
                    maxLength={100}
                    value={label}
                    placeholder="DDM: all Macs"
                    onInput={(e) => setLabel(e.currentTarget.value)}
                    {...describedBy('declaration-label', fields['newLink.label'])}
                  />
                </Field>
                <Field
                  id="declaration-days"
                  label="Lifetime (days)"
                  error={fields['newLink.expiresInDays']}
                >
                  <input
                    id="declaration-days"
                    type="number"
                    min={1}
                    max={730}
                    value={days}
                    onInput={(e) => setDays(e.currentTarget.value)}
                    {...describedBy('declaration-days', fields['newLink.expiresInDays'])}
                  />
                </Field>
              </>
            )}
            <Field id="declaration-install" label="Install" error={fields.install}>
              <select
                id="declaration-install"
                value={install}
                onChange={(e) => setInstall(e.currentTarget.value)}
                {...describedBy('declaration-install', fields.install)}
              >
                <option value="">Not set (Optional: the user installs it)</option>
                <option value="Required">Required (installed at once)</option>
                <option value="Optional">Optional</option>
              </select>
            </Field>
          </>
        )}
        {type === 'app.managed' && (
          <>
            <Field id="declaration-updates" label="Automatic app updates">
              <select
                id="declaration-updates"
                value={updates}
                onChange={(e) => setUpdates(e.currentTarget.value)}
              >
                <option value="">Not set</option>
                <option value="AlwaysOn">Always on (follow the manifest's version)</option>
                <option value="AlwaysOff">Always off</option>
                <option value="StoreSettings">Store settings</option>
              </select>
            </Field>
            <Field id="declaration-backup" label="Include in backup">
              <select
                id="declaration-backup"
                value={backup}
                onChange={(e) => setBackup(e.currentTarget.value)}
              >
                <option value="">Not set (included)</option>
                <option value="false">No</option>
                <option value="true">Yes</option>
              </select>
            </Field>
          </>
        )}
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Exporting…' : 'Export declaration'}
        </button>
      </form>
      {result && (
        <div class="declaration-result">
          {result.link?.created && (
            <p role="status" id="declaration-link-created">
              A new manifest link was created: “{result.link.label}”, expires{' '}
              {result.link.expiresAt.slice(0, 10)}. It is listed with this item's manifest links;
              revoke it there when the declaration is retired.
            </p>
          )}
          <WarningBanner id="declaration-warnings" warnings={result.warnings} />
          <CopyField id="declaration-json" label="Declaration JSON" value={json} multiline />
          <button
            type="button"
            class="button small"
            onClick={() =>
              saveText(json, `${result.declaration.Identifier}.json`, 'application/json')
            }
          >
            Download .json
          </button>
        </div>
      )}
    </div>
  );
}
