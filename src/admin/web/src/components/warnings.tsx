/**
 * Warnings the API attaches to an answer that succeeded, shown where the admin acts: each names
 * what is wrong and what to change, never just a code.
 */
import { Link } from '../lib/router.js';
import type { ApiWarning } from '../lib/types.js';

/** What the console adds to a warning's message: the next step, in the console's own words. */
function NextStep({ warning }: { warning: ApiWarning }) {
  if (warning.code === 'INSECURE_DEVICE_LINKS') {
    return (
      <p>
        Change the server's public URL to an <code>https://</code> address devices can reach (the{' '}
        <code>--public-url</code> option of <code>portcullis serve</code>, behind a TLS front server
        or with <code>--tls-cert</code>), restart, then sign new links. Until then, use these links
        only to test downloads from a browser.
      </p>
    );
  }
  if (warning.code === 'BUNDLE_VALUES_MISSING') {
    return (
      <p>
        Enter the bundle identifier and version below to download an InstallEnterpriseApplication
        command. For a manifest or InstallApplication, rebuild or re-sign the file so they can be
        read, upload it again and rescan.
      </p>
    );
  }
  const others = warning.configurations ?? [];
  if (warning.code === 'KEY_ALREADY_CONFIGURED' && others.length > 0) {
    return (
      <p>
        Same key as:{' '}
        {others.map((c, i) => (
          <span key={c.id}>
            {i > 0 && ', '}
            <Link href={`/configurations/${encodeURIComponent(c.id)}`}>{c.displayName}</Link>
          </span>
        ))}
        .
      </p>
    );
  }
  return null;
}

/** A notice banner listing `warnings`; renders nothing when there are none. */
export function WarningBanner({
  id,
  warnings,
}: {
  id: string;
  warnings: ApiWarning[] | undefined;
}) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <div class="banner notice" role="status" id={id}>
      {warnings.map((w) => (
        <div key={w.code} class="warning" data-code={w.code}>
          <p>
            <strong>⚠ {w.message}</strong> <span class="code">({w.code})</span>
          </p>
          <NextStep warning={w} />
        </div>
      ))}
    </div>
  );
}
