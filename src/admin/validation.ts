/**
 * Zod as Fastify's validator: route schemas are zod objects, validation results replace the raw
 * input (so coercions and defaults apply), and the same schemas feed the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** One failing field: a dotted path (`key.pem`, `body`) and a human message. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Raised by the zod validator; rendered as 400 VALIDATION_FAILED with `errors`. */
export class SchemaValidationError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly part: string,
    readonly issues: FieldIssue[],
  ) {
    super(
      `Invalid ${part}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`.slice(0, 500),
    );
    this.name = 'SchemaValidationError';
  }
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && 'safeParse' in value && '_zod' in value;
}

/** Converts zod issues to `{path, message}` pairs (never echoing the offending value). */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const keys = 'keys' in issue && Array.isArray(issue.keys) ? `: ${issue.keys.join(', ')}` : '';
    return {
      path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
      message: `${issue.message}${keys}`,
    };
  });
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
      const result = schema.safeParse(data ?? (httpPart === 'body' ? undefined : {}));
      if (result.success) return { value: result.data };
      return {
        error: new SchemaValidationError(httpPart ?? 'input', toFieldIssues(result.error.issues)),
      };
    };
  });
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));
}
