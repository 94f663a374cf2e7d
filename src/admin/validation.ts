/**
 * Zod as Fastify's validator: route schemas are zod objects, validation results replace the raw
 * input (so coercions and defaults apply), and the same schemas feed the OpenAPI document and,
 * through fastify-type-provider-zod, the request types of every handler.
 *
 * Refusals are written for people: each failing field gets its label (field-labels.ts) and a
 * phrase for the kind of failure ("Display name is required", "Password must be at least 12
 * characters"), never zod's own text and never the offending value.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { type FieldIssue, toFieldIssues } from './validation-issues.js';
import { failurePhrase } from './validation-phrases.js';

export { type FieldIssue, fieldIssue, toFieldIssues } from './validation-issues.js';

/** Raised by the zod validator; rendered as 400 VALIDATION_FAILED with `errors`. */
export class SchemaValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly part: string,
    readonly issues: FieldIssue[],
  ) {
    super(
      issues
        .map((i) => punctuate(i.message))
        .join(' ')
        .slice(0, 500) || 'Invalid request.',
    );
    this.name = 'SchemaValidationError';
  }
}

function punctuate(sentence: string): string {
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && 'safeParse' in value && '_zod' in value;
}

/**
 * Parses `data` with human messages: a schema's own message wins (zod's precedence), every other
 * failure gets the phrase for its kind.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  data: unknown,
): { success: true; data: z.output<T> } | { success: false; issues: FieldIssue[] } {
  const result = schema.safeParse(data, { error: failurePhrase });
  if (result.success) return { success: true, data: result.data };
  return { success: false, issues: toFieldIssues(result.error.issues) };
}

// Body schemas of routes that also accept multipart/form-data: an absent (multipart) body passes
// validation here and the handler validates the parsed form fields itself.
const multipartBodies = new WeakSet<object>();

/** Marks a body schema as belonging to a route that also takes multipart/form-data. */
export function acceptsMultipart<T extends z.ZodType>(schema: T): T {
  multipartBodies.add(schema);
  return schema;
}

/** Makes `app` validate with zod schemas and serialize responses as plain JSON. */
export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (!isZod(schema)) throw new TypeError(`route schema for ${httpPart} must be a zod schema`);
    const multipart = httpPart === 'body' && multipartBodies.has(schema);
    return (data: unknown) => {
      if (multipart && (data === undefined || data === null)) return { value: undefined };
      const result = parseInput(schema, data ?? (httpPart === 'body' ? undefined : {}));
      if (result.success) return { value: result.data };
      return { error: new SchemaValidationError(httpPart ?? 'input', result.issues) };
    };
  });
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));
}
