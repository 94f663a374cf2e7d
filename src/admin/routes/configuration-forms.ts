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
import { fieldIssue, parseInput, SchemaValidationError } from '../validation.js';

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
          fieldIssue(part.fieldname, 'Send one file, in the form field named "key".'),
        ]);
      }
      file = await part.toBuffer();
    } else {
      raw[part.fieldname] = String(part.value);
    }
  }
  const parsed = parseInput(MultipartFields, raw);
  if (!parsed.success) throw new SchemaValidationError('body', parsed.issues);
  return { fields: parsed.data, file };
}

function requireFile(file: Buffer | undefined): Buffer {
  if (!file || file.length === 0) {
    throw new SchemaValidationError('body', [fieldIssue('key', 'file is required')]);
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

/** Create input from the validated JSON body, or from a multipart form (validated here). */
export async function createInput(
  request: FastifyRequest,
  body: z.infer<typeof CreateConfigurationBody> | undefined,
): Promise<CreateInput> {
  if (request.isMultipart()) {
    const { fields, file } = await readKeyForm(request);
    const parsed = parseInput(CreateConfigurationBody.omit({ key: true }), {
      displayName: fields.displayName,
      ...(fields.tokenExpiry === undefined ? {} : { tokenExpiry: fields.tokenExpiry }),
      ...(fields.enabled === undefined ? {} : { enabled: fields.enabled === 'true' }),
    });
    if (!parsed.success) throw new SchemaValidationError('body', parsed.issues);
    const key = { pem: new Uint8Array(requireFile(file)), passphrase: fields.passphrase };
    return { ...parsed.data, tokenExpirySeconds: parsed.data.tokenExpiry, key };
  }
  if (!body) throw new SchemaValidationError('body', [fieldIssue('', 'A JSON body is required.')]);
  return {
    displayName: body.displayName,
    tokenExpirySeconds: body.tokenExpiry,
    enabled: body.enabled,
    key: body.key,
  };
}

/** Rotate input from the validated JSON body, or from a multipart form (validated here). */
export async function rotateInput(
  request: FastifyRequest,
  body: z.infer<typeof RotateBody> | undefined,
): Promise<KeyMaterialInput> {
  if (request.isMultipart()) {
    const { fields, file } = await readKeyForm(request);
    if (
      fields.displayName !== undefined ||
      fields.tokenExpiry !== undefined ||
      fields.enabled !== undefined
    ) {
      throw new SchemaValidationError('body', [
        fieldIssue('', 'Rotating takes only the key file and its passphrase.'),
      ]);
    }
    return { pem: new Uint8Array(requireFile(file)), passphrase: fields.passphrase };
  }
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
      fieldIssue('path', 'must be a relative content path without . or .. segments'),
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
      fieldIssue(field, 'must name one file the content listener serves'),
    ]);
  }
  return checked.path;
}
