/**
 * Checks a value against the keys derived from Apple's device-management schemas
 * (`schemas.json` next to this file): every required key present, every key known, every type
 * and allowed value right. Values parsed back by python3 plistlib carry `data` as
 * `{ $data: base64 }` (see the tests' pythonParse); in-memory values carry Uint8Array.
 */
import { readFileSync } from 'node:fs';

/** One key's rules in schemas.json. */
interface KeySpec {
  type: 'string' | 'integer' | 'boolean' | 'array' | 'dictionary' | 'data';
  required?: boolean;
  allowed?: unknown[];
  keys?: Record<string, KeySpec>;
  item?: KeySpec;
  requiredWith?: string;
  /** A dictionary whose keys Apple leaves open (`ANY`). */
  open?: boolean;
}

/** The fixture as loaded. */
export interface AppleSchemas {
  source: { repository: string; files: Record<string, string> };
  schemas: Record<string, { file: string; keys: Record<string, KeySpec> }>;
}

/** The derived fixture. */
export const appleSchemas = JSON.parse(
  readFileSync(new URL('./schemas.json', import.meta.url), 'utf8'),
) as AppleSchemas;

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function typeOk(spec: KeySpec, v: unknown): boolean {
  switch (spec.type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'dictionary':
      return isDict(v) && !('$data' in v);
    case 'data':
      return v instanceof Uint8Array || (isDict(v) && typeof v.$data === 'string');
  }
}

function checkValue(spec: KeySpec, v: unknown, at: string, out: string[]): void {
  if (!typeOk(spec, v)) {
    out.push(`${at}: expected ${spec.type}, got ${JSON.stringify(v)}`);
    return;
  }
  if (spec.allowed && !spec.allowed.includes(v))
    out.push(`${at}: ${JSON.stringify(v)} not allowed`);
  if (spec.type === 'array' && spec.item) {
    (v as unknown[]).forEach((e, i) => {
      checkValue(spec.item as KeySpec, e, `${at}[${i}]`, out);
    });
  }
  if (spec.type === 'dictionary' && spec.keys) checkKeys(spec.keys, v as object, at, out);
}

function checkKeys(keys: Record<string, KeySpec>, value: object, at: string, out: string[]): void {
  const obj = value as Record<string, unknown>;
  for (const [name, spec] of Object.entries(keys)) {
    if (spec.required && !(name in obj)) out.push(`${at}.${name}: required but missing`);
    if (spec.requiredWith && spec.requiredWith in obj && !(name in obj))
      out.push(`${at}.${name}: required when ${spec.requiredWith} is present`);
  }
  for (const [name, v] of Object.entries(obj)) {
    const spec = keys[name];
    if (!spec) out.push(`${at}.${name}: not a key of Apple's schema`);
    else checkValue(spec, v, `${at}.${name}`, out);
  }
}

/**
 * The problems of `value` against schema `name` (empty when it conforms).
 * @example expect(schemaProblems('com.apple.asset.data', payload)).toEqual([])
 */
export function schemaProblems(name: string, value: unknown): string[] {
  const schema = appleSchemas.schemas[name];
  if (!schema) throw new TypeError(`no schema ${name} in schemas.json`);
  const out: string[] = [];
  if (!isDict(value)) return [`${name}: expected a dictionary`];
  checkKeys(schema.keys, value, name, out);
  return out;
}

/**
 * The problems of a whole declaration: the envelope against DeclarationBase, the payload
 * against the schema its Type names.
 */
export function declarationProblems(declaration: unknown): string[] {
  const out = schemaProblems('DeclarationBase', declaration);
  if (out.length > 0) return out;
  const d = declaration as { Type: string; Payload: unknown };
  if (!appleSchemas.schemas[d.Type]) return [`Type ${d.Type} has no schema`];
  return schemaProblems(d.Type, d.Payload);
}
