/**
 * Request parsing for configuration create/rotate: JSON bodies (already validated by zod) or
 * multipart/form-data uploads of a key file (fields validated here with the same rules), and
 * content paths joined onto the public URL for signed URLs.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkRequestPath } from '../../http/path.js';
import type { KeyMaterialInput } from '../configuration-material.js';
import { rawUrlPath } from '../configuration-signer.js';
import { CreateConfigurationBody, type RotateBody } from '../schemas.js';
import { SchemaValidationError, toFieldIssues } from '../validation.js';

const MultipartFields = z.strictObject({
  displayName: z.string().optional(),
  tokenExpiry: z.string().optional(),
  enabled: z.enum(['true', 'false']).optional(),
  passphrase: z.string().max(1024).optional(),
});

/** Reads a multipart form with one `key` file and text fields. */
async function readKeyForm(
  request: FastifyRequest,
): Promise<{ fields: z.infer<typeof MultipartFields>; file: Buffer | undefined }> {
  const raw: Record<string, string> = {};
  let file: Buffer | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'key' || file) {
        throw new SchemaValidationError('body', [
          { path: part.fieldname, message: 'unexpected file field (use one file named "key")' },
        ]);
      }
      file = await part.toBuffer();
    } else {
      raw[part.fieldname] = String(part.value);
    }
  }
  const parsed = MultipartFields.safeParse(raw);
  if (!parsed.success) throw new SchemaValidationError('body', toFieldIssues(parsed.error.issues));
  return { fields: parsed.data, file };
}

function requireFile(file: Buffer | undefined): Buffer {
  if (!file || file.length === 0) {
    throw new SchemaValidationError('body', [{ path: 'key', message: 'a key file is required' }]);
  }
  return file;
}

/** Normalised create request. */
export interface CreateInput {
  displayName: string;
  tokenExpirySeconds: number;
  enabled: boolean;
  key: KeyMaterialInput;
}

/** Create input from a JSON body or a multipart form. */
export async function createInput(request: FastifyRequest): Promise<CreateInput> {
  if (request.isMultipart()) {
    const { fields, file } = await readKeyForm(request);
    const parsed = CreateConfigurationBody.omit({ key: true }).safeParse({
      displayName: fields.displayName,
      ...(fields.tokenExpiry === undefined ? {} : { tokenExpiry: fields.tokenExpiry }),
      ...(fields.enabled === undefined ? {} : { enabled: fields.enabled === 'true' }),
    });
    if (!parsed.success)
      throw new SchemaValidationError('body', toFieldIssues(parsed.error.issues));
    const key = { pem: new Uint8Array(requireFile(file)), passphrase: fields.passphrase };
    return { ...parsed.data, tokenExpirySeconds: parsed.data.tokenExpiry, key };
  }
  const body = request.body as z.infer<typeof CreateConfigurationBody> | undefined;
  if (!body)
    throw new SchemaValidationError('body', [
      { path: '(root)', message: 'a JSON body is required' },
    ]);
  return {
    displayName: body.displayName,
    tokenExpirySeconds: body.tokenExpiry,
    enabled: body.enabled,
    key: body.key,
  };
}

/** Rotate input from a JSON body or a multipart form. */
export async function rotateInput(request: FastifyRequest): Promise<KeyMaterialInput> {
  if (request.isMultipart()) {
    const { fields, file } = await readKeyForm(request);
    if (
      fields.displayName !== undefined ||
      fields.tokenExpiry !== undefined ||
      fields.enabled !== undefined
    ) {
      throw new SchemaValidationError('body', [
        { path: '(root)', message: 'rotate takes only the key file and passphrase' },
      ]);
    }
    return { pem: new Uint8Array(requireFile(file)), passphrase: fields.passphrase };
  }
  const body = request.body as z.infer<typeof RotateBody> | undefined;
  return body?.key ?? { generate: { bits: 2048 } };
}

/** Joins a content path onto the public URL, percent-encoding each segment; refuses traversal. */
export function contentUrl(publicUrl: string, path: string): string {
  const segments = path.replace(/^\/+/, '').split('/');
  const bad = segments.some(
    (s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'),
  );
  if (bad)
    throw new SchemaValidationError('body', [
      { path: 'path', message: 'must be a relative content path without . or .. segments' },
    ]);
  return `${publicUrl}/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * The path the content listener will see for a URL to sign: its raw path (never a normalised
 * one, so `..` cannot hide), relative to the public URL's own path prefix when the URL lies under
 * it, decoded and checked exactly as the listener does (src/http/path.ts). A signed token opens
 * this one file, so a URL that names no servable file (a directory, a dotfile, `..`) is refused.
 */
export function listenerPathOf(url: string, publicUrl: string, field: 'url' | 'path'): string {
  let raw = rawUrlPath(url);
  const prefix = rawUrlPath(publicUrl).replace(/\/+$/, '');
  const sameOrigin = url.toLowerCase().startsWith(`${publicUrl.toLowerCase()}/`);
  if (sameOrigin && prefix !== '' && raw.startsWith(`${prefix}/`)) raw = raw.slice(prefix.length);
  const checked = checkRequestPath(raw);
  if (!checked.ok || checked.directory) {
    throw new SchemaValidationError('body', [
      { path: field, message: 'must name one file the content listener serves' },
    ]);
  }
  return checked.path;
}
