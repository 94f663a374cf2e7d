/**
 * The Worker forwards exactly what the listener's proxy mode forwards: the same header lists and
 * the same token stripping, so moving a deployment from `serve --proxy` to the edge changes
 * nothing the origin or the device sees.
 */
import { describe, expect, it } from 'vitest';
import * as edge from '../../src/edge/runtime/forward.js';
import * as proxy from '../../src/server/proxy.js';
import { stripTokenParams } from '../../src/token/request-token.js';

describe('edge forwarding = proxy forwarding', () => {
  it('forwards the same request and response headers', () => {
    expect(edge.FORWARDED_REQUEST_HEADERS).toEqual(proxy.FORWARDED_REQUEST_HEADERS);
    expect(edge.FORWARDED_RESPONSE_HEADERS).toEqual(proxy.FORWARDED_RESPONSE_HEADERS);
  });

  it.each([
    '',
    'token=abc',
    'a=1&token=abc&b=2',
    'token=a&token=b',
    'TOKEN=keep&token=drop',
    '%74oken=encoded-name',
    'tok%65n=x&a=%20',
    'token',
    'a=1&&b=2',
    'to+ken=x',
    '%E0%A4%A=bad&token=x',
  ])('strips %j the same way (the one token module, src/token/request-token.ts)', (query) => {
    const viaEdge = new URL(edge.originUrl('https://o.example/', ['f'], query)).search.slice(1);
    const kept = stripTokenParams(query);
    // The origin URL carries exactly what the listener's module keeps (URL may re-encode nothing
    // here: every case is already a valid query), and never a token parameter.
    expect(viaEdge).toBe(
      new URL(`https://o.example/f${kept === '' ? '' : `?${kept}`}`).search.slice(1),
    );
    expect(new URL(`https://o.example/?${viaEdge}`).searchParams.has('token')).toBe(false);
  });

  it('builds the origin URL from checked segments like the proxy', () => {
    expect(edge.originUrl('https://o.example/base/', ['apps', 'My App.ipa'], 'x=1&token=t')).toBe(
      'https://o.example/base/apps/My%20App.ipa?x=1',
    );
  });
});
