// The bound on a listener route's store waits: a store that never answers becomes the store's own
// STORE_UNAVAILABLE after the deadline (which the listener answers 503); an answer or a failure
// that comes in time passes through unchanged. The PostgreSQL case on the real binary is in
// test/server/store-down.test.ts ("a database that answers nothing").
import { describe, expect, it } from 'vitest';
import { withinStoreDeadline, withStoreDeadline } from '../../src/admin/store-deadline.js';
import type { ContentExtension } from '../../src/contracts/content-extension.js';
import { StoreError } from '../../src/store/errors.js';

const never = () => new Promise<never>(() => {});

describe('withinStoreDeadline', () => {
  it('rejects with STORE_UNAVAILABLE once the store has said nothing for the deadline', async () => {
    const started = performance.now();
    const err = await withinStoreDeadline(never(), 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    expect((err as Error).message).toBe('The store did not answer within 0.05 s.');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('passes an answer and a failure that come in time through unchanged', async () => {
    await expect(withinStoreDeadline(Promise.resolve(7), 50)).resolves.toBe(7);
    const own = new StoreError('STORE_CONFLICT');
    await expect(withinStoreDeadline(Promise.reject(own), 50)).rejects.toBe(own);
  });
});

describe('withStoreDeadline', () => {
  const ext: ContentExtension = {
    path: '/_portcullis/manifest/',
    token: 'required',
    via: 'manifest',
    subject: (rest) => `/${rest}`,
    credential: { recognizes: (t) => t.startsWith('pml_'), authenticate: never },
    plan: never,
  };

  it('bounds the credential check and the plan, and keeps everything else', async () => {
    const bounded = withStoreDeadline(ext, 30);
    expect(bounded.path).toBe(ext.path);
    expect(bounded.token).toBe('required');
    expect(bounded.via).toBe('manifest');
    expect(bounded.subject?.('a')).toBe('/a');
    expect(bounded.credential?.recognizes('pml_x')).toBe(true);
    expect(bounded.credential?.recognizes('eyJ')).toBe(false);
    await expect(bounded.credential!.authenticate('pml_x', '/a')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    const request = { method: 'GET', rest: 'a', subject: '/a', ifNoneMatch: undefined } as const;
    await expect(bounded.plan(request)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('leaves an extension without a credential without one', () => {
    const { credential: _c, ...plain } = ext;
    expect(withStoreDeadline(plain).credential).toBeUndefined();
  });
});
