/**
 * The InstallEnterpriseApplication download for a package whose bundle identifier and version
 * could not be read: the admin types the values (Portcullis never invents them), the page checks
 * them as the API does, and the API's own refusals land next to the field they name.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { downloadFile } from '../lib/download.js';
import { describedBy, ErrorBanner, Field } from './field.js';

// The API's patterns (src/admin/routes/content.ts InstallQuery): checked here first so a typo is
// answered at once; the API checks again and its answer wins.
const BUNDLE_ID = /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/;
const BUNDLE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Field errors for the typed values, worded like the API's. */
export function bundleValueErrors(bundleId: string, bundleVersion: string) {
  const errors: Record<string, string> = {};
  if (bundleId === '') errors.bundleId = 'Bundle identifier is required';
  else if (!BUNDLE_ID.test(bundleId))
    errors.bundleId =
      'Bundle identifier must look like com.example.tool (letters, digits, dots, hyphens)';
  if (bundleVersion === '') errors.bundleVersion = 'Bundle version is required';
  else if (!BUNDLE_VERSION.test(bundleVersion))
    errors.bundleVersion = 'Bundle version must look like 1.2.3 (letters, digits, . _ + -)';
  return errors;
}

/** Props of {@link BundleValuesForm}. */
export interface BundleValuesFormProps {
  /** The command's API link (already carrying `?config=`). */
  href: string;
}

/** Bundle identifier + version fields and the InstallEnterpriseApplication download. */
export function BundleValuesForm({ href }: BundleValuesFormProps) {
  const [bundleId, setBundleId] = useState('');
  const [bundleVersion, setBundleVersion] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const id = bundleId.trim();
    const version = bundleVersion.trim();
    const found = bundleValueErrors(id, version);
    setFields(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const query = `bundleId=${encodeURIComponent(id)}&bundleVersion=${encodeURIComponent(version)}`;
    try {
      await downloadFile(
        `${href}${href.includes('?') ? '&' : '?'}${query}`,
        'InstallEnterpriseApplication.plist',
        'application/xml',
      );
    } catch (err) {
      const fieldErrors = err instanceof ApiError ? err.fieldErrors : {};
      setFields(fieldErrors);
      if (!fieldErrors.bundleId && !fieldErrors.bundleVersion) setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sheet bundle-values" onSubmit={submit} noValidate>
      <h3>InstallEnterpriseApplication</h3>
      <p class="muted">
        The package's bundle identifier and version could not be read. Enter the values from the
        package (for example <code>pkgutil --expand</code> or its vendor's documentation); they go
        into the command as typed.
      </p>
      <ErrorBanner error={error} />
      <Field
        id="bundle-id"
        label="Bundle identifier"
        error={fields.bundleId}
        hint="For example com.example.tool"
      >
        <input
          id="bundle-id"
          required
          maxLength={255}
          autocomplete="off"
          spellcheck={false}
          value={bundleId}
          onInput={(e) => setBundleId(e.currentTarget.value)}
          {...describedBy('bundle-id', fields.bundleId, true)}
        />
      </Field>
      <Field
        id="bundle-version"
        label="Bundle version"
        error={fields.bundleVersion}
        hint="For example 1.2.3"
      >
        <input
          id="bundle-version"
          required
          maxLength={64}
          autocomplete="off"
          spellcheck={false}
          value={bundleVersion}
          onInput={(e) => setBundleVersion(e.currentTarget.value)}
          {...describedBy('bundle-version', fields.bundleVersion, true)}
        />
      </Field>
      <button type="submit" class="button small" disabled={busy}>
        {busy ? 'Preparing…' : 'Download InstallEnterpriseApplication command plist'}
      </button>
    </form>
  );
}
