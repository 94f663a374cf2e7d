/**
 * The built Lambda@Edge bundle, loaded as the Node.js runtime loads it (`index.handler`) and
 * invoked with viewer-request events in CloudFront's documented shape.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  CloudFrontRequest,
  CloudFrontRequestEvent,
  CloudFrontResultResponse,
} from '../../src/edge/runtime/lambda-edge.js';
import { serveRefusal, tokenRefusal } from '../../src/server/respond.js';
import {
  buildBundle,
  jamfToken,
  keyFile,
  loadLambda,
  nowSeconds,
  tempDir,
  viewerRequest,
} from './helpers.js';

const dir = tempDir();
const trusted = keyFile(dir, 'jamf.pem');
const foreign = keyFile(dir, 'other.pem');
let handler: (e: CloudFrontRequestEvent) => Promise<CloudFrontRequest | CloudFrontResultResponse>;

beforeAll(async () => {
  const built = await buildBundle('lambda-edge', { key: [trusted.path] });
  handler = loadLambda(built.bundle);
});

function isResponse(
  x: CloudFrontRequest | CloudFrontResultResponse,
): x is CloudFrontResultResponse {
  return 'status' in x;
}

describe('Lambda@Edge viewer request', () => {
  it('lets a valid request through with every token parameter removed and the rest byte-for-byte', async () => {
    const event = viewerRequest(
      '/apps/My%20App.ipa',
      `a=1&token=${jamfToken(trusted.privateKey)}&b=%20x`,
    );
    const out = await handler(event);
    expect(isResponse(out)).toBe(false);
    const request = out as CloudFrontRequest;
    expect(request.querystring).toBe('a=1&b=%20x');
    expect(request.uri).toBe('/apps/My%20App.ipa');
    expect(request.headers.host).toEqual([{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }]);
  });

  it('a query of only the token becomes empty (one cache key for every device)', async () => {
    const a = (await handler(
      viewerRequest('/apps/A.ipa', `token=${jamfToken(trusted.privateKey)}`),
    )) as CloudFrontRequest;
    const b = (await handler(
      viewerRequest('/apps/A.ipa', `token=${jamfToken(trusted.privateKey, { jti: 'x' })}`),
    )) as CloudFrontRequest;
    expect(a.querystring).toBe('');
    expect(b.querystring).toBe('');
  });

  const now = nowSeconds();
  it.each([
    ['no token', '', 'TOKEN_MISSING'],
    ['expired', `token=${jamfToken(trusted.privateKey, { exp: now - 120 })}`, 'TOKEN_EXPIRED'],
    ['foreign key', `token=${jamfToken(foreign.privateKey)}`, 'SIGNATURE_INVALID'],
    ['malformed', 'token=abc', 'TOKEN_MALFORMED'],
    [
      'two tokens',
      `token=${jamfToken(trusted.privateKey)}&token=${jamfToken(trusted.privateKey)}`,
      'TOKEN_MALFORMED',
    ],
  ])('%s → the listener refusal in CloudFront response shape', async (_, querystring, code) => {
    const out = await handler(viewerRequest('/apps/A.ipa', querystring));
    expect(isResponse(out)).toBe(true);
    const res = out as CloudFrontResultResponse;
    const expected = tokenRefusal(code as never);
    expect(res.status).toBe('401');
    expect(res.statusDescription).toBe('Unauthorized');
    expect(res.body).toBe(expected.body.toString());
    expect(res.bodyEncoding).toBe('text');
    expect(res.headers['www-authenticate']).toEqual([
      { key: 'Www-Authenticate', value: expected.headers['www-authenticate'] },
    ]);
    expect(res.headers['cache-control']).toEqual([{ key: 'Cache-Control', value: 'no-store' }]);
    // Read-only in viewer-request responses: setting it would make CloudFront fail the function.
    expect(res.headers['content-length']).toBeUndefined();
    for (const [name, values] of Object.entries(res.headers)) {
      expect(values).toHaveLength(1);
      expect(values[0]!.key!.toLowerCase()).toBe(name);
    }
  });

  it('a refusal is identical for an existing and a missing path', async () => {
    const a = await handler(viewerRequest('/apps/A.ipa', 'token=abc'));
    const b = await handler(viewerRequest('/never/was.pkg', 'token=abc'));
    expect(a).toEqual(b);
  });

  it('HEAD refusals carry no body; other methods get 405 with Allow; unsafe paths 400', async () => {
    const head = (await handler(
      viewerRequest('/apps/A.ipa', '', { method: 'HEAD' }),
    )) as CloudFrontResultResponse;
    expect(head.status).toBe('401');
    expect(head.body).toBeUndefined();
    const post = (await handler(
      viewerRequest('/apps/A.ipa', `token=${jamfToken(trusted.privateKey)}`, { method: 'POST' }),
    )) as CloudFrontResultResponse;
    expect(post.status).toBe('405');
    expect(post.headers.allow).toEqual([{ key: 'Allow', value: 'GET, HEAD' }]);
    expect(post.body).toBe(serveRefusal('METHOD_NOT_ALLOWED').body.toString());
    for (const uri of ['/apps/../etc/passwd', '/apps/%2e%2e/x', '/.git/config', '/a%2fb']) {
      const res = (await handler(
        viewerRequest(uri, `token=${jamfToken(trusted.privateKey)}`),
      )) as CloudFrontResultResponse;
      expect(res.status, uri).toBe('400');
    }
  });

  it('fails closed: an event it cannot read gets the listener 500, never a pass', async () => {
    for (const event of [{ Records: [] }, { Records: [{ cf: {} }] }, {}]) {
      const out = (await handler(event as never)) as CloudFrontResultResponse;
      expect(out.status).toBe('500');
      expect(out.body).toBe(serveRefusal('INTERNAL_ERROR').body.toString());
    }
  });

  it('a path-bound token opens only its file; a directory is 404 after the token', async () => {
    const bound = jamfToken(trusted.privateKey, { path: '/apps/A.ipa' });
    expect(isResponse(await handler(viewerRequest('/apps/A.ipa', `token=${bound}`)))).toBe(false);
    const other = (await handler(
      viewerRequest('/apps/B.ipa', `token=${bound}`),
    )) as CloudFrontResultResponse;
    expect(other.body).toBe(tokenRefusal('TOKEN_PATH_MISMATCH').body.toString());
    const folder = (await handler(
      viewerRequest('/apps/', `token=${jamfToken(trusted.privateKey)}`),
    )) as CloudFrontResultResponse;
    expect(folder.status).toBe('404');
  });
});
