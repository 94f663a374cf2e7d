/**
 * One constructor shape for every area's error class, and one mapping to problem+json from the
 * registry: for every registered code the admin API answers with the registry's status and a
 * human title (never the code itself, issue 12: `"title":"KEY_TOO_SMALL"`).
 */
import { describe, expect, it } from 'vitest';
import { AdminError } from '../../src/admin/errors.js';
import { classifyError } from '../../src/admin/problem.js';
import { CatalogError } from '../../src/catalog/errors.js';
import { EdgeError } from '../../src/edge/errors.js';
import { PortcullisError } from '../../src/errors/base.js';
import { codedErrorClass, defineErrors } from '../../src/errors/define.js';
import { ERROR_AREAS } from '../../src/errors-table.js';
import { KeyError } from '../../src/keys/errors.js';
import { ProbeError } from '../../src/probe/errors.js';
import { ServeError } from '../../src/server/errors.js';
import { StorageError } from '../../src/storage/errors.js';
import { StoreError } from '../../src/store/errors.js';
import { TokenError } from '../../src/token/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: one table of classes whose code types differ.
const CLASSES: Record<string, new (code: any, detail?: string) => PortcullisError> = {
  Tokens: TokenError,
  Serving: ServeError,
  Keys: KeyError,
  'Admin API': AdminError,
  Catalog: CatalogError,
  Store: StoreError,
  'Content storage': StorageError,
  Probe: ProbeError,
  Edge: EdgeError,
};

const every = ERROR_AREAS.flatMap((area) =>
  Object.entries(area.codes).map(([code, entry]) => ({ area: area.title, code, entry })),
);

describe('coded errors', () => {
  it('has an error class for every area', () => {
    expect(Object.keys(CLASSES).sort()).toEqual(ERROR_AREAS.map((a) => a.title).sort());
  });

  it.each(every)('$area $code: constructed from its registry entry', ({ area, code, entry }) => {
    const err = new CLASSES[area]!(code);
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err).toMatchObject({ code, status: entry.status, title: entry.message });
    expect(err.remedy).toBe(entry.remedy);
    expect(err.message.startsWith(entry.message)).toBe(true);
  });

  it.each(every)('$area $code: maps to a problem with a human title', ({ area, code, entry }) => {
    const problem = classifyError(new CLASSES[area]!(code));
    expect(problem.title).not.toBe(problem.code);
    expect(problem.title).toMatch(/^[A-Z].* [a-z]/);
    const shown =
      code === 'STORE_UNAVAILABLE' ||
      code === 'PINNING_CERTS_INVALID' ||
      code === 'CONTENT_ROOT_UNAVAILABLE';
    // A bucket failing at run time, in any catalog route: the code docs/catalog.md promises.
    const storeDown = [
      'STORAGE_UNAVAILABLE',
      'STORAGE_BUCKET_UNREACHABLE',
      'STORAGE_ACCESS_DENIED',
      'STORAGE_FAILED',
      'STORAGE_CHANGED',
    ].includes(code);
    const hidden = area !== 'Admin API' && entry.status >= 500 && !shown && !storeDown;
    if (storeDown) {
      expect(problem).toMatchObject({ status: 503, code: 'CONTENT_ROOT_UNAVAILABLE' });
    } else if (hidden) {
      // Server faults of other areas describe our insides: the API answers INTERNAL_ERROR.
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    } else if (code === 'STORE_CONFLICT') {
      expect(problem).toMatchObject({ status: 409, code: 'CONFLICT' });
    } else {
      expect(problem).toMatchObject({ status: entry.status, code, title: entry.message });
    }
  });

  it('answers KEY_TOO_SMALL with a title, the registry message as detail and no file name', () => {
    const problem = classifyError(new KeyError('KEY_TOO_SMALL', 'upload.pem'));
    expect(problem).toMatchObject({
      status: 400,
      code: 'KEY_TOO_SMALL',
      title: 'The RSA key is smaller than 2048 bits, which is too weak.',
      detail: 'The RSA key is smaller than 2048 bits, which is too weak.',
    });
  });

  it('hides 5xx faults of other areas but keeps the admin API own 503 with Retry-After', () => {
    expect(classifyError(new StoreError('STORE_SECRET_MISMATCH')).code).toBe('INTERNAL_ERROR');
    expect(classifyError(new StoreError('STORE_UNAVAILABLE')).code).toBe('STORE_UNAVAILABLE');
    const busy = new AdminError('PASSWORD_HASHING_BUSY', undefined, { extra: { retryAfter: 1 } });
    expect(classifyError(busy)).toMatchObject({ status: 503, extra: { retryAfter: 1 } });
  });

  it('composes messages by the area style: detail replaces, or prefixes a CLI line', () => {
    expect(new StoreError('STORE_CONFLICT', 'Name taken.').message).toBe('Name taken.');
    const key = new KeyError('KEY_FILE_NOT_FOUND', 'k.pem');
    expect(key.message).toBe(`k.pem: ${key.title} ${key.remedy}`);
    expect(key.publicMessage).toBe(key.title);
  });

  it('defines a new area in one call and refuses codes it does not list', () => {
    const DEMO = defineErrors('demo', {
      DEMO_REFUSED: { status: 409, message: 'Refused for the demo.', remedy: 'Do it differently.' },
    });
    class DemoError extends codedErrorClass(DEMO) {}
    const err = new DemoError('DEMO_REFUSED');
    expect(err).toMatchObject({ name: 'DemoError', area: 'demo', status: 409 });
    expect(() => new DemoError('NOPE' as 'DEMO_REFUSED')).toThrow(TypeError);
    expect(() => codedErrorClass({ X: { status: 400, message: 'x', remedy: 'y' } })).toThrow(
      TypeError,
    );
  });
});
