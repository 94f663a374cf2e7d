/**
 * The Worker forwards what the listener's proxy mode forwards: both take their header lists from
 * src/http/forwarding.ts and strip tokens with src/token/request-token.ts, so moving a deployment
 * from `serve --proxy` to the edge changes nothing the origin or the device sees.
 */
import { describe, expect, it } from 'vitest';
import * as edge from '../../src/edge/runtime/forward.js';
import { stripTokenParams } from '../../src/token/request-token.js';

describe('edge forwarding = proxy forwarding', () => {
  it('passes only the allow-listed request headers to the origin (never credentials)', () => {
    const from = new Headers({
      range: 'bytes=0-9',
      'if-none-match': '"x"',
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'x-forwarded-for': '10.0.0.1',
    });
    const out = edge.forwardedRequestHeaders(from);
    const names: string[] = [];
    out.forEach((_value, name) => {
      names.push(name);
    });
    expect(names.sort()).toEqual(['if-none-match', 'range']);
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
