/**
 * Stable codes for everything the catalog refuses: hostile or corrupt archives, unsafe content
 * paths, upload limits and install requests that do not fit the content kind. docs/catalog.md
 * lists the same table; test/catalog/errors.test.ts keeps code, docs and types in agreement.
 */
import type { ErrorEntry } from '../errors/base.js';
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** One entry of the catalog error registry. */
export type CatalogErrorSpec = ErrorEntry;

/** Registry of catalog codes → HTTP status, default message and remedy. */
export const CATALOG_ERRORS = defineErrors('catalog', {
  PLIST_INVALID: {
    status: 422,
    message: 'The property list is malformed.',
    remedy: 'Rebuild the archive with a valid Info.plist (binary bplist00 or XML).',
  },
  PLIST_TOO_COMPLEX: {
    status: 422,
    message: 'The property list exceeds the object, depth or size limits.',
    remedy: 'Info.plist files are small; check the archive was not tampered with.',
  },
  XML_INVALID: {
    status: 422,
    message: 'An XML document inside the content is malformed or exceeds the limits.',
    remedy: 'Rebuild the package or book with standard tools.',
  },
  ZIP_INVALID: {
    status: 422,
    message: 'The file is not a readable zip archive.',
    remedy: 'Upload a complete, uncorrupted .ipa or .epub.',
  },
  ZIP_TOO_MANY_ENTRIES: {
    status: 422,
    message: 'The zip archive has more entries than the reader accepts.',
    remedy: 'Archives are limited to 100000 entries.',
  },
  ZIP_ENTRY_TOO_LARGE: {
    status: 422,
    message: 'A metadata entry inside the archive is larger than the reader accepts.',
    remedy: 'Metadata files (Info.plist, container.xml, OPF) are limited to 4 MiB each.',
  },
  ZIP_ENTRY_RATIO: {
    status: 422,
    message: 'A metadata entry has a suspicious compression ratio (possible zip bomb).',
    remedy: 'Rebuild the archive with ordinary compression.',
  },
  ZIP_ENTRY_MISSING: {
    status: 422,
    message: 'A required metadata entry was not found in the archive.',
    remedy: 'An .ipa needs Payload/<name>.app/Info.plist; an .epub needs META-INF/container.xml.',
  },
  XAR_INVALID: {
    status: 422,
    message: 'The file is not a readable flat package (xar) archive.',
    remedy: 'Upload a flat .pkg built by pkgbuild or productbuild.',
  },
  XAR_TOO_LARGE: {
    status: 422,
    message: 'The package table of contents or metadata entry exceeds the size limit.',
    remedy: 'Flat package TOCs are limited to 16 MiB and metadata files to 4 MiB.',
  },
  METADATA_BUDGET_EXCEEDED: {
    status: 422,
    message:
      'Reading the file metadata would decode or fetch too many bytes, or take too many steps.',
    remedy: 'Metadata is small in real files; check the file was not crafted or tampered with.',
  },
  METADATA_TIMEOUT: {
    status: 422,
    message: 'Reading the file metadata took longer than the extraction timeout.',
    remedy:
      'Check the file; raise catalog.extractTimeoutSeconds only if genuine files hit the limit.',
  },
  METADATA_WORKER_FAILED: {
    status: 422,
    message: 'The metadata reader ran out of memory or stopped while reading the file.',
    remedy: 'The file is likely crafted to exhaust memory; check where it came from.',
  },
  METADATA_BUSY: {
    status: 503,
    message: 'Too many files are waiting for metadata extraction.',
    remedy:
      'Nothing to do: the file is stored and recorded as unreadable for now; the next rescan reads it again.',
  },
  PATH_INVALID: {
    status: 400,
    message: 'The content path is not acceptable.',
    remedy:
      'Use a relative path of plain names separated by "/": no "..", no leading dot, no control characters, nothing under _portcullis/ (reserved for Portcullis itself), at most 1024 bytes.',
  },
  CONTENT_NOT_FOUND: {
    status: 404,
    message: 'No content at that path.',
    remedy: 'List the catalog with GET /api/v1/content or run a rescan.',
  },
  CONTENT_EXISTS: {
    status: 412,
    message: 'Content already exists at that path (If-None-Match: *).',
    remedy: 'Drop If-None-Match to replace, or send If-Match with the current ETag.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    message: 'The content changed since you read it (If-Match did not match).',
    remedy: 'Fetch the current record, then retry with its ETag.',
  },
  UPLOAD_TOO_LARGE: {
    status: 413,
    message: 'The upload exceeds the configured maximum size.',
    remedy: 'Raise maxUploadBytes or upload a smaller file.',
  },
  UPLOAD_INCOMPLETE: {
    status: 400,
    message: 'The upload ended before the declared length was received.',
    remedy: 'Retry the upload; nothing was stored.',
  },
  UPLOAD_MISSING_FILE: {
    status: 400,
    message: 'The multipart request has no "file" part.',
    remedy: 'Send the content as a multipart field named "file".',
  },
  COMMAND_NOT_APPLICABLE: {
    status: 409,
    message: 'That install command does not apply to this kind of content.',
    remedy:
      'InstallApplication is for .ipa, InstallEnterpriseApplication for .pkg, InstallMedia for books.',
  },
  COMMAND_UNKNOWN: {
    status: 404,
    message: 'Unknown install command.',
    remedy: 'Use InstallApplication, InstallEnterpriseApplication or InstallMedia.',
  },
  BUNDLE_VALUES_REQUIRED: {
    status: 422,
    message:
      'The bundle identifier or version of this file could not be read, and Portcullis does not invent them.',
    remedy:
      'For InstallEnterpriseApplication give both: ?bundleId=com.example.pkg&bundleVersion=1.2 (the values in the package). InstallApplication and the device manifest need them in the file itself: rebuild or re-sign it, upload it again, then rescan.',
  },
  CONFIGURATION_REQUIRED: {
    status: 400,
    message: 'A JWT configuration id is required to sign download URLs.',
    remedy: 'Add ?config=<configuration id>.',
  },
  CONTENT_ROOT_UNAVAILABLE: {
    status: 503,
    message:
      'The content root or bucket could not be listed (missing, not a directory, unreachable); the catalog was left unchanged.',
    remedy:
      'Check that the serve root exists and is mounted, or that the bucket is reachable with these credentials (s3:ListBucket), then rescan.',
  },
  DECLARATION_NOT_APPLICABLE: {
    status: 409,
    message: 'That declaration does not apply to this kind of content.',
    remedy:
      'package is for .pkg (macOS 26), app.managed for .ipa (iOS and visionOS: ManifestURL is not available on macOS), asset.data for any file.',
  },
  PINNING_CERTS_UNAVAILABLE: {
    status: 409,
    message: 'There is no certificate chain to pin: the content listener serves no TLS itself.',
    remedy:
      "Start serve with --tls-cert, or with --pinning-certs FILE naming the PEM chain devices see (the front server's certificate when TLS ends there).",
  },
  PINNING_CERTS_INVALID: {
    status: 503,
    message: 'The certificate chain to pin could not be read or holds no usable certificate.',
    remedy:
      'Check the --pinning-certs (or --tls-cert) file: readable PEM with 1 to 8 CERTIFICATE blocks.',
  },
  PUBLIC_URL_REQUIRED: {
    status: 409,
    message: 'The server has no public URL, so device links cannot be built.',
    remedy: 'Start the server with --public-url https://your.host/.',
  },
});

/** A stable catalog error code. */
export type CatalogErrorCode = keyof typeof CATALOG_ERRORS;

/** The one error class of the catalog: a refusal with a stable code from CATALOG_ERRORS. */
export class CatalogError extends codedErrorClass(CATALOG_ERRORS) {}

/** Non-fatal findings attached to a catalog record (the file is stored, but look at this). */
export const CATALOG_WARNINGS = {
  PROFILE_EXPIRED:
    'The embedded provisioning profile has expired; devices will refuse to launch the app.',
  PROFILE_EXPIRES_SOON: 'The embedded provisioning profile expires within 30 days.',
  METADATA_UNREADABLE: 'The file was stored, but its metadata could not be read.',
  BUNDLE_VALUES_MISSING:
    'The bundle identifier or version could not be read from the file: there is no manifest and no InstallApplication command; InstallEnterpriseApplication needs bundleId and bundleVersion from you.',
  ASSET_DATA_DEVICE_IDENTITY:
    'The device fetches this file with its MDM identity certificate and no token: the content listener must accept client certificates (serve --client-ca with --auth client-cert or token-or-client-cert), see docs/ddm.md.',
  INSECURE_DEVICE_LINKS:
    'These links use http://: iPhone, iPad and Mac refuse to install from a manifest or itms-services link that is not https://. Start the server with an https:// --public-url before giving them to devices.',
} as const;

/** A warning attached to a content record. */
export interface ContentWarning {
  code: string;
  message: string;
}
