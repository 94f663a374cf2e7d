/**
 * InstallEnterpriseApplication by ManifestURL with certificate pinning: the options Apple only
 * honours in the ManifestURL form (ManifestURLPinningCerts, PinningRevocationCheckRequired), as
 * the API takes them (`manifestUrl`, `pinning`, `pinningRevocationCheck`). The chain pinned is
 * the server's (`--tls-cert` or `--pinning-certs`); the API says when it has none.
 */
import { useState } from 'preact/hooks';
import { downloadFile } from '../lib/download.js';
import { ErrorBanner } from './field.js';

/** The query an option set sends: pinning implies the ManifestURL form, revocation implies pinning. */
export function enterpriseQuery(opts: { pinning: boolean; revocation: boolean }): string {
  if (opts.revocation) return 'pinning=true&pinningRevocationCheck=true';
  if (opts.pinning) return 'pinning=true';
  return 'manifestUrl=true';
}

/** Pinning choices and the download of the ManifestURL form of InstallEnterpriseApplication. */
export function EnterpriseOptions({ href }: { href: string }) {
  const [pinning, setPinning] = useState(true);
  const [revocation, setRevocation] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setError(null);
    setBusy(true);
    try {
      const query = enterpriseQuery({ pinning, revocation });
      await downloadFile(
        `${href}${href.includes('?') ? '&' : '?'}${query}`,
        'InstallEnterpriseApplication.plist',
        'application/xml',
      );
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sheet enterprise-options">
      <h3>InstallEnterpriseApplication by manifest URL</h3>
      <p class="muted">
        The Mac fetches the manifest itself. Pinning makes it accept only this server's certificate
        chain for that fetch (Apple ignores pinning when the manifest is inline).
      </p>
      <ErrorBanner error={error} />
      <div class="field checkbox">
        <input
          id="enterprise-pinning"
          type="checkbox"
          checked={pinning || revocation}
          disabled={revocation}
          onChange={(e) => setPinning(e.currentTarget.checked)}
        />
        <label for="enterprise-pinning">Pin the server certificate</label>
      </div>
      <div class="field checkbox">
        <input
          id="enterprise-revocation"
          type="checkbox"
          checked={revocation}
          onChange={(e) => setRevocation(e.currentTarget.checked)}
        />
        <label for="enterprise-revocation">Require a revocation check</label>
      </div>
      <button type="button" class="button small" disabled={busy} onClick={() => void download()}>
        {busy ? 'Preparing…' : 'Download InstallEnterpriseApplication (manifest URL) plist'}
      </button>
    </div>
  );
}
