/**
 * MDM command payloads (`{ Command: { RequestType, ... }, CommandUUID }`) for the three ways
 * an MDM server installs in-house content. Only keys documented in Apple's Device Management
 * reference are emitted; optional ones appear only when the caller asks for them.
 */
import { randomUUID } from 'node:crypto';
import type { AppManifest } from './manifest.js';

/** The install commands the catalog can produce. */
export const INSTALL_COMMANDS = [
  'InstallApplication',
  'InstallEnterpriseApplication',
  'InstallMedia',
] as const;
/** One of {@link INSTALL_COMMANDS}. */
export type InstallCommandName = (typeof INSTALL_COMMANDS)[number];

/** A command payload as an MDM server queues it. */
export interface MdmCommand {
  Command: { RequestType: InstallCommandName; [key: string]: unknown };
  CommandUUID: string;
}

/** Options common to the app install commands. */
export interface AppCommandOptions {
  commandUuid?: string;
  /** 1 = remove the app when the MDM profile is removed; 4 = prevent app data backup. */
  managementFlags?: number;
  /** Ask the device to take over management of an existing unmanaged install. */
  changeManagementState?: 'Managed';
  /** macOS: install as a managed app. */
  installAsManaged?: boolean;
}

function envelope(command: MdmCommand['Command'], uuid?: string): MdmCommand {
  return { Command: command, CommandUUID: uuid ?? randomUUID() };
}

function appOptions(opts: AppCommandOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.managementFlags !== undefined) {
    if (!Number.isInteger(opts.managementFlags) || opts.managementFlags < 0)
      throw new TypeError('managementFlags must be a non-negative integer');
    out.ManagementFlags = opts.managementFlags;
  }
  if (opts.changeManagementState) out.ChangeManagementState = opts.changeManagementState;
  if (opts.installAsManaged !== undefined) out.InstallAsManaged = opts.installAsManaged;
  return out;
}

/**
 * InstallApplication with a ManifestURL (enterprise .ipa, or a .pkg on older macOS flows).
 * @example buildInstallApplicationCommand({ manifestUrl, managementFlags: 1 })
 */
export function buildInstallApplicationCommand(
  opts: AppCommandOptions & { manifestUrl: string },
): MdmCommand {
  return envelope(
    { RequestType: 'InstallApplication', ManifestURL: opts.manifestUrl, ...appOptions(opts) },
    opts.commandUuid,
  );
}

/**
 * InstallEnterpriseApplication (macOS) with either an inline Manifest or a ManifestURL.
 * Apple: with `Manifest` the pinning options are ignored, so only ManifestURL takes them.
 */
export function buildInstallEnterpriseApplicationCommand(
  opts: AppCommandOptions &
    ({ manifest: AppManifest; manifestUrl?: never } | { manifestUrl: string; manifest?: never }) & {
      pinningRevocationCheckRequired?: boolean;
      manifestUrlPinningCerts?: Uint8Array[];
    },
): MdmCommand {
  const command: MdmCommand['Command'] = { RequestType: 'InstallEnterpriseApplication' };
  if (opts.manifest) command.Manifest = opts.manifest;
  else {
    command.ManifestURL = opts.manifestUrl;
    if (opts.pinningRevocationCheckRequired !== undefined)
      command.PinningRevocationCheckRequired = opts.pinningRevocationCheckRequired;
    if (opts.manifestUrlPinningCerts?.length)
      command.ManifestURLPinningCerts = opts.manifestUrlPinningCerts;
  }
  return envelope({ ...command, ...appOptions(opts) }, opts.commandUuid);
}

/** InstallMedia for an in-house book (PDF, EPUB, iBooks Author) served from a URL. */
export function buildInstallMediaCommand(opts: {
  mediaUrl: string;
  persistentId: string;
  kind: 'pdf' | 'epub' | 'ibooks';
  title?: string;
  author?: string;
  version?: string;
  commandUuid?: string;
}): MdmCommand {
  const command: MdmCommand['Command'] = {
    RequestType: 'InstallMedia',
    MediaType: 'Book',
    MediaURL: opts.mediaUrl,
    PersistentID: opts.persistentId,
    Kind: opts.kind,
  };
  if (opts.title) command.Title = opts.title;
  if (opts.author) command.Author = opts.author;
  if (opts.version) command.Version = opts.version;
  return envelope(command, opts.commandUuid);
}
