/**
 * Install helpers of one catalog record: the link bundle (`install`), the manifest, QR codes and
 * MDM command plists, each signed for the JWT configuration given as `?config=`. Device URLs are
 * built from the server's public URL (never from the Host header). Each one exists to carry
 * download tokens, so the whole action needs the caller's minting capability from the signer
 * (read-only callers get 403 SIGNING_FORBIDDEN), and every token is bound to this record's path.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INSTALL_COMMANDS, type InstallCommandName } from '../../catalog/commands.js';
import { CatalogError } from '../../catalog/errors.js';
import {
  type BundleValues,
  commandFor,
  contentUrl,
  manifestFor,
  planInstall,
  qrTarget,
} from '../../catalog/install.js';
import { renderPlist } from '../../catalog/manifest.js';
import { readPinningCerts } from '../../catalog/pinning.js';
import { renderQrPng, renderQrSvg } from '../../catalog/qr.js';
import type { ContentRecord } from '../../store/types.js';
import type { ConfigurationSigner, MintPurpose } from '../configuration-signer.js';

/** The sub-resources reachable under /api/v1/content/{path}/… */
export type ContentAction =
  | { kind: 'install' }
  | { kind: 'manifest' }
  | { kind: 'qr'; format: 'png' | 'svg' }
  | { kind: 'command'; name: string };

const SUFFIX =
  /^(.+)\/(install|manifest\.plist|qr\.png|qr\.svg|commands\/([A-Za-z]{1,64})\.plist)$/;

/** Splits an encoded tail into a candidate record path and an action, when it has a known suffix. */
export function splitAction(tail: string): { pathTail: string; action: ContentAction } | null {
  const m = SUFFIX.exec(tail);
  if (!m) return null;
  const [, pathTail = '', suffix = '', command] = m;
  if (suffix === 'install') return { pathTail, action: { kind: 'install' } };
  if (suffix === 'manifest.plist') return { pathTail, action: { kind: 'manifest' } };
  if (suffix === 'qr.png' || suffix === 'qr.svg')
    return { pathTail, action: { kind: 'qr', format: suffix === 'qr.png' ? 'png' : 'svg' } };
  return { pathTail, action: { kind: 'command', name: command ?? '' } };
}

const API_BASE = '/api/v1/content';

/** What each action's tokens are recorded as. */
const PURPOSES: Record<ContentAction['kind'], MintPurpose> = {
  install: 'install',
  manifest: 'manifest',
  qr: 'qr',
  command: 'command',
};

/** What the install actions need: the signer and the public URL device links are built from. */
export interface InstallContext {
  signer: ConfigurationSigner;
  publicUrl: string;
  /** PEM chain that InstallEnterpriseApplication pins, when the server has one. */
  pinningCertsFile?: string | undefined;
}

/** The validated query of an install action. */
export interface InstallActionQuery {
  config?: string | undefined;
  managementFlags?: number | undefined;
  /** InstallEnterpriseApplication only: used only where the file's own could not be read. */
  bundleId?: string | undefined;
  bundleVersion?: string | undefined;
  manifestUrl?: boolean | undefined;
  pinning?: boolean | undefined;
  pinningRevocationCheck?: boolean | undefined;
}

/**
 * The ManifestURL form and pinning an InstallEnterpriseApplication query asks for: revocation
 * checking implies pinning, pinning implies the ManifestURL form (Apple ignores pinning inline).
 */
async function enterpriseForm(
  install: InstallContext,
  query: InstallActionQuery,
): Promise<{
  manifestUrl?: boolean;
  pinning?: { certs: Uint8Array[]; revocationCheckRequired: boolean };
}> {
  const revocation = query.pinningRevocationCheck === true;
  if (!(query.pinning || revocation)) return query.manifestUrl ? { manifestUrl: true } : {};
  const certs = await readPinningCerts(install.pinningCertsFile);
  return { manifestUrl: true, pinning: { certs, revocationCheckRequired: revocation } };
}

/** The caller's bundle values (used only where the file's own could not be read). */
function bundleValuesOf(query: InstallActionQuery): BundleValues {
  return {
    ...(query.bundleId === undefined ? {} : { bundleId: query.bundleId }),
    ...(query.bundleVersion === undefined ? {} : { bundleVersion: query.bundleVersion }),
  };
}

/** Answers one install action for a record. */
export async function sendAction(
  install: InstallContext,
  request: FastifyRequest,
  reply: FastifyReply,
  record: ContentRecord,
  action: ContentAction,
  query: InstallActionQuery,
): Promise<FastifyReply> {
  // First, before anything about configurations or URLs is revealed: may this caller mint at all?
  const minter = install.signer.minterFor(request.principal);
  const { publicUrl } = install;
  const configId = query.config;
  if (!configId) throw new CatalogError('CONFIGURATION_REQUIRED');
  if (!publicUrl) throw new CatalogError('PUBLIC_URL_REQUIRED');
  const purpose = PURPOSES[action.kind];
  // Every URL an action signs (download, manifest) concerns this one file, so all bind to it.
  const path = `/${record.path}`;
  const signUrl = async (url: string) =>
    (await minter.signUrl({ configurationId: configId, url, path, purpose })).url;
  const ctx = { publicUrl, signUrl };
  reply.header('cache-control', 'private, no-store');
  switch (action.kind) {
    case 'install':
      return reply.send(await planInstall(record, { ...ctx, apiBase: API_BASE, configId }));
    case 'manifest': {
      const manifest = manifestFor(record, await signUrl(contentUrl(publicUrl, record.path)));
      return reply.type('application/xml; charset=utf-8').send(renderPlist(manifest));
    }
    case 'qr': {
      const target = qrTarget(await planInstall(record, { ...ctx, apiBase: API_BASE, configId }));
      if (action.format === 'png') return reply.type('image/png').send(await renderQrPng(target));
      return reply.type('image/svg+xml; charset=utf-8').send(await renderQrSvg(target));
    }
    case 'command': {
      if (!(INSTALL_COMMANDS as readonly string[]).includes(action.name))
        throw new CatalogError('COMMAND_UNKNOWN');
      const flags = query.managementFlags;
      const name = action.name as InstallCommandName;
      // Pinning is read only where the command applies (a package), so other refusals come first.
      const form =
        name === 'InstallEnterpriseApplication' && record.kind === 'package'
          ? await enterpriseForm(install, query)
          : {};
      const command = await commandFor(record, name, {
        ...ctx,
        ...(flags === undefined ? {} : { managementFlags: flags }),
        bundle: bundleValuesOf(query),
        ...form,
      });
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${action.name}.plist"`)
        .send(renderPlist(command));
    }
  }
}
