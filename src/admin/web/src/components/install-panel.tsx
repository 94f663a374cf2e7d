/**
 * The Install panel's links for one item and one configuration: signed download, manifest and
 * itms-services links, QR code and MDM command plists, with the API's warnings about them (http://
 * links devices refuse, bundle values that could not be read) shown above the links.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, contentUrl } from '../lib/api.js';
import { downloadFile, imageSource } from '../lib/download.js';
import type { InstallInfo } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { BundleValuesForm } from './bundle-values-form.js';
import { EnterpriseOptions } from './enterprise-options.js';
import { CopyField, ErrorBanner } from './field.js';
import { WarningBanner } from './warnings.js';

const ENTERPRISE = 'InstallEnterpriseApplication';

/** The signed links of one item for one configuration, with what keeps them from devices. */
export function InstallPanel({ path, configId }: { path: string; configId: string }) {
  const query = `?config=${encodeURIComponent(configId)}`;
  const info = useResource(
    () => api<InstallInfo>('GET', contentUrl(path, `/install${query}`)),
    [path, configId],
  );
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const i = info.data;
  useEffect(() => {
    setQr(null);
    if (!i?.qrPng && !i?.qrSvg) return;
    let url: string | null = null;
    imageSource((i.qrPng ?? i.qrSvg)!).then((src) => {
      url = src;
      setQr(src);
    }, setError);
    return () => {
      if (url?.startsWith('blob:')) URL.revokeObjectURL(url);
    };
  }, [i]);
  const name = path.split('/').pop() ?? 'item';
  const fetchLink = (href: string, file: string, accept: string) => () =>
    void downloadFile(href, file, accept).catch(setError);
  if (info.error) return <ErrorBanner error={info.error} />;
  if (!i) return <p>Preparing links…</p>;
  const commands = Object.entries(i.commands ?? {});
  // Without readable bundle values, InstallEnterpriseApplication needs the admin's own values.
  const askBundle = (i.warnings ?? []).some((w) => w.code === 'BUNDLE_VALUES_MISSING');
  const plain = commands.filter(([command]) => !(askBundle && command === ENTERPRISE));
  const hasManifest = Boolean(i.manifestUrl || i.itmsServicesUrl);
  const commandHref = (command: string, href: string) =>
    href.startsWith('/') ? href : contentUrl(path, `/commands/${command}.plist${query}`);
  return (
    <div class="install">
      <WarningBanner id="install-warnings" warnings={i.warnings} />
      <ErrorBanner error={error} />
      <button type="button" class="button small" onClick={() => void info.reload()}>
        Sign new links
      </button>
      <CopyField id="install-download-url" label="Signed download link" value={i.downloadUrl} />
      {i.manifestUrl && (
        <CopyField id="install-manifest-url" label="Manifest URL" value={i.manifestUrl} />
      )}
      {i.itmsServicesUrl && (
        <div class="itms">
          <CopyField id="install-itms-url" label="itms-services link" value={i.itmsServicesUrl} />
          <a href={i.itmsServicesUrl} class="button">
            Open install link
          </a>
          {qr && (
            <img
              class="qr"
              src={qr}
              alt={`QR code that installs ${name} on an iOS device`}
              width={200}
              height={200}
            />
          )}
        </div>
      )}
      <h3>Downloads</h3>
      {(hasManifest || plain.length > 0) && (
        <ul class="downloads">
          {hasManifest && (
            <li>
              <button
                type="button"
                class="button small"
                onClick={fetchLink(
                  contentUrl(path, `/manifest.plist${query}`),
                  `${name}.manifest.plist`,
                  'application/xml',
                )}
              >
                Manifest plist
              </button>
            </li>
          )}
          {plain.map(([command, href]) => (
            <li key={command}>
              <button
                type="button"
                class="button small"
                onClick={fetchLink(
                  commandHref(command, href),
                  `${command}.plist`,
                  'application/xml',
                )}
              >
                {command} command plist
              </button>
            </li>
          ))}
        </ul>
      )}
      {askBundle && i.commands?.[ENTERPRISE] && (
        <BundleValuesForm href={commandHref(ENTERPRISE, i.commands[ENTERPRISE])} />
      )}
      {/* The ManifestURL form: the device fetches the manifest, so it needs the file's own values. */}
      {!askBundle && i.manifestUrl && i.commands?.[ENTERPRISE] && (
        <EnterpriseOptions href={commandHref(ENTERPRISE, i.commands[ENTERPRISE])} />
      )}
    </div>
  );
}
