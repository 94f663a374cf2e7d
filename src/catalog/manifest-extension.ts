/**
 * Serves app manifests on the content listener at `/_portcullis/manifest/<path>.plist?token=…`
 * (and the deprecated `/.portcullis/manifest/…` links handed out before), so a device
 * (itms-services) or an MDM (InstallApplication ManifestURL) can fetch them with the same kind
 * of token as a download. The extension only plans: the listener verifies the token, bound to
 * the content path the manifest describes, before `plan` runs, so a refusal reveals nothing
 * about what exists and looks exactly like a download's. The software-package URL inside carries
 * the same token, which the device uses right after the manifest: a token Portcullis minted is
 * bound to the content path (its `path` claim), so it opens this manifest and that one file.
 *
 * With `links`, the route also takes manifest links (`?token=pml_…`), long-lived credentials for
 * declarations: the listener lets the link gate decide them instead of the verifier, and the
 * package URL inside then carries a download token minted for this fetch (short-lived, bound to
 * the file), never the link itself.
 */
import type { ContentRepo } from '../contracts/content-catalog.js';
import type {
  ContentExtension,
  ExtensionPlan,
  ManifestLinkGate,
} from '../contracts/content-extension.js';
import { addTokenToUrl } from '../token/url.js';
import { normalizeEncodedContentPath } from './content-path.js';
import { contentUrl, MANIFEST_ROUTE_PREFIX, manifestFor, manifestReady } from './install.js';
import { renderPlist } from './manifest.js';

/** Options of {@link createManifestExtension}. */
export interface ManifestExtensionOptions {
  store: { content: Pick<ContentRepo, 'get'> };
  /** Public base URL of the content listener (from `--public-url`), or a getter for it. */
  publicUrl: string | (() => string);
  /** Manifest links: when given, the route also opens with a link of its item. */
  links?: ManifestLinkGate;
}

const NOT_FOUND: ExtensionPlan = { refuse: 'NOT_FOUND' };
const LINK_REFUSED: ExtensionPlan = { refuse: 'LINK_REFUSED' };

/**
 * Builds the manifest route for `startServer({ contentExtensions: [...] })`.
 * @example createManifestExtension({ store, publicUrl: () => ctx.publicUrl() })
 */
export function createManifestExtension(opts: ManifestExtensionOptions): ContentExtension {
  return {
    path: MANIFEST_ROUTE_PREFIX,
    token: 'required',
    via: 'manifest',
    subject: manifestContentPath,
    ...(opts.links ? { credential: opts.links } : {}),
    async plan({ subject, token, certificate }) {
      if (subject === null || (token === undefined && certificate === undefined)) return NOT_FOUND;
      const record = await opts.store.content.get(subject.slice(1));
      // No manifest without the file's own bundle identifier and version (never invented).
      if (!record || !manifestReady(record)) return NOT_FOUND;
      const base = typeof opts.publicUrl === 'function' ? opts.publicUrl() : opts.publicUrl;
      const url = contentUrl(base, record.path);
      // A device that showed its identity certificate shows it again for the file: no token.
      // A link never leaves the manifest route: the package URL gets a fresh download token.
      let downloadToken = token?.value;
      if (token?.credential && opts.links) {
        const minted = await opts.links.downloadToken(token.credential, subject);
        if (minted === null) return LINK_REFUSED;
        downloadToken = minted;
      }
      const download = downloadToken === undefined ? url : addTokenToUrl(url, downloadToken);
      return {
        status: 200,
        headers: {
          'content-type': 'application/xml; charset=utf-8',
          'cache-control': 'private, no-store',
        },
        body: renderPlist(manifestFor(record, download)),
      };
    },
  };
}

/** The content path a manifest request names (`/apps/App.ipa` for `apps/App.ipa.plist`), or null. */
function manifestContentPath(rest: string): string | null {
  if (!rest.endsWith('.plist')) return null;
  try {
    return `/${normalizeEncodedContentPath(rest.slice(0, -'.plist'.length))}`;
  } catch {
    return null;
  }
}
