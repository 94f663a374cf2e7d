import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createServeLogger, writeAccessLine } from '../../src/server/logger.js';
import { REDACTED, redactError, redactText, redactUrl } from '../../src/server/redact.js';
import { makeKey, removeDir, sign, startQuiet, tempDir } from './serve-helpers.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBcHBNYW5pZmVzdCJ9.c2lnbmF0dXJl';

describe('redactText / redactUrl', () => {
  it.each([
    [`/App.ipa?token=${JWT}`, `/App.ipa?token=${REDACTED}`],
    [`/App.ipa?a=1&token=${JWT}&b=2`, `/App.ipa?a=1&token=${REDACTED}&b=2`],
    [`/App.ipa?TOKEN=abc`, `/App.ipa?TOKEN=${REDACTED}`],
    ['/App.ipa?token=not-a-jwt-but-secret', `/App.ipa?token=${REDACTED}`],
    [`/App.ipa?x=1%26token%3Dabc`, `/App.ipa?x=1%26token%3D${REDACTED}`],
    [`Authorization: Bearer ${JWT}`, `Authorization: Bearer ${REDACTED}`],
    [`bare ${JWT} in text`, `bare ${REDACTED} in text`],
    ['/App.ipa?mytoken=1', '/App.ipa?mytoken=1'],
    ['/plain/path.ipa', '/plain/path.ipa'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
    expect(redactUrl(input)).toBe(expected);
  });

  const LINK = `pml_${'Ab0_-'.repeat(12)}abcd`;
  it.each([
    // Every spelling the query parser reads as the token parameter (names are form-decoded).
    [`/m.plist?tok%65n=${LINK}`, `/m.plist?tok%65n=${REDACTED}`],
    [`/m.plist?%74oken=${LINK}`, `/m.plist?%74oken=${REDACTED}`],
    [`/m.plist?%74%6F%6B%65%6E=abc`, `/m.plist?%74%6F%6B%65%6E=${REDACTED}`],
    [`/m.plist?a=1&tok%65n=xyz&b=2`, `/m.plist?a=1&tok%65n=${REDACTED}&b=2`],
    // Link shapes anywhere, also without a "?" (a URL encoded once too often).
    [`/m.plist%3Ftoken=${LINK}`, `/m.plist%3Ftoken=${REDACTED}`],
    [`/m/${LINK}/x`, `/m/${REDACTED}/x`],
    [`/m.plist?link=${LINK}`, `/m.plist?link=${REDACTED}`],
    // Encoded secret shapes: the part that carries one goes whole.
    [`/m.plist?x=%70ml%5F${LINK.slice(4)}`, `/m.plist?${REDACTED}`],
    [`/m/%70ml_${LINK.slice(4)}.pkg`, `/m/%70${REDACTED}`],
    [`/m.plist?x=%2565yJhbGc.eyJzdWIi.c2ln`, `/m.plist?${REDACTED}`],
    // Nothing secret: unchanged.
    ['/apps/My%20App.ipa', '/apps/My%20App.ipa'],
    ['/apps/My%20App.ipa?x=%20', '/apps/My%20App.ipa?x=%20'],
  ])('url %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('scans a hostile URL in linear time (the access log runs on the serving loop)', () => {
    // 64 KiB of "eyJ" with one dot: a regex restarting at every "eyJ" took over a second here.
    const hostile = [`/a?x=${'eyJ'.repeat(21_000)}.`, `/a/${'%65yJ'.repeat(13_000)}.`];
    for (const url of hostile) {
      const started = performance.now();
      redactUrl(url);
      redactText(url);
      expect(performance.now() - started).toBeLessThan(150);
    }
    expect(redactText(`x eyJa.b%2Ec%2Dtail y`)).toBe(`x ${REDACTED} y`);
    expect(redactText(`x pml_abc%2Ddef y`)).toBe(`x ${REDACTED} y`);
  });

  it('drops the input Node puts into URL parsing errors', () => {
    let thrown: unknown;
    try {
      new URL(`http://[bad/App.ipa?token=${JWT}`);
    } catch (err) {
      thrown = err;
    }
    expect(JSON.stringify(thrown)).toContain(JWT); // Node keeps the input on the error…
    const safe = redactError(thrown);
    expect(JSON.stringify(safe)).not.toContain(JWT); // …the log-safe view does not.
    expect(safe.code).toBe('ERR_INVALID_URL');
  });

  it('redacts messages of errors that embed a URL', () => {
    const safe = redactError(new Error(`fetch failed for http://x/App.ipa?token=${JWT}`));
    expect(safe.message).toBe(`fetch failed for http://x/App.ipa?token=${REDACTED}`);
  });
});

describe('redactUrl on the shapes nearly every request has', () => {
  it.each([
    ['/App.ipa', '/App.ipa'],
    ['/My%20App.ipa', '/My%20App.ipa'],
    [`/App.ipa?token=${JWT}`, `/App.ipa?token=${REDACTED}`],
    ['/App.ipa?token=', `/App.ipa?token=${REDACTED}`],
    [`/App.ipa?token=x?y=${JWT}`, `/App.ipa?token=${REDACTED}`],
    [`/App.ipa?token=x;token=${JWT}`, `/App.ipa?token=${REDACTED}`],
    [`/App.ipa?token=x&v=1`, `/App.ipa?token=${REDACTED}&v=1`],
    [`/App.ipa?v=1&token=${JWT}`, `/App.ipa?v=1&token=${REDACTED}`],
    [`/App.ipa?TOKEN=${JWT}`, `/App.ipa?TOKEN=${REDACTED}`],
    // A path that holds a shape is never passed through, with or without a token parameter.
    [`/${JWT}?token=x`, `/${REDACTED}?token=${REDACTED}`],
    ['/pml_abc/App.ipa?token=x', `/${REDACTED}/App.ipa?token=${REDACTED}`],
    ['/%65yJhbGciOiJ9.e30.c2ln?token=x', `${REDACTED}?token=${REDACTED}`],
  ])('%s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});

describe('redaction of secrets in shapes an outside review found', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const SIG = `${'S'.repeat(300)}ig-_0`;
  // JSON may open with whitespace; the verifier accepts such a header like any other.
  const spaced = `${b64('{ "alg":"RS256"}')}.${b64('{ "sub":"AppManifest"}')}.${SIG}`;
  const newline = `${b64('{\n"alg":"RS256"}')}.${b64('{"iss":"JSS"}')}.${SIG.slice(0, 43)}`;
  const encode = (text: string, times: number) => {
    let out = text;
    for (let i = 0; i < times; i++)
      out = [...out].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    return out;
  };
  const link = `pml_${'Q3JHZNRLZEXPBMTCB2R5X0FCQ0RFRKDISUPLTE1OT1BRULNUVVZXWFLA_-012345'}`;

  it.each([
    ['a whitespace-led JWS in the path', `/${spaced}`],
    ['a whitespace-led JWS in another parameter', `/App.ipa?x=${spaced}`],
    ['a whitespace-led JWS with encoded dots', `/App.ipa?x=${spaced.replaceAll('.', '%2E')}`],
    ['a newline-led JWS with an HS256-length signature', `/d/${newline}/App.ipa`],
    ['a JWS encoded four times', `/${encode(`eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBIn0.${SIG}`, 4)}`],
    [
      'a JWS whose e is encoded four times',
      `/%25252565yJhbGciOiJSUzI1NiJ9.%25252565yJzdWIi.${SIG}`,
    ],
    ['a JWS with an overlong UTF-8 e', `/%C1%A5yJhbGciOiJSUzI1NiJ9.%C1%A5yJzdWIi.${SIG}`],
    ['a link token encoded four times', `/m/${encode(link, 4)}.ipa`],
    ['a link token with an overlong UTF-8 p', `/m/%C1%B0${link.slice(1)}.ipa`],
    ['a link token with an encoded underscore', `/m/pml%5F${link.slice(4)}.ipa`],
  ])('%s', (_name, url) => {
    const logged = redactUrl(url);
    expect(logged).toContain(REDACTED);
    for (let text = logged, i = 0; i < 8; i++, text = decodeURIComponentSafe(text)) {
      expect(text).not.toContain(SIG.slice(0, 43));
      expect(text).not.toContain(link.slice(4, 40));
    }
  });

  it.each([
    '/com.acme.EnterpriseFieldServiceApplicationInstallerSuite.pkg',
    '/App.v1.2.ipa',
    '/books/Field%20Guide.v2.epub',
    `/apps/${'Long_Name-'.repeat(20)}.ipa`,
  ])('leaves an ordinary path alone: %s', (url) => {
    expect(redactUrl(url)).toBe(url);
  });
});

/** Decodes what decodes; a malformed escape is left as it is. */
function decodeURIComponentSafe(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) =>
        String.fromCharCode(Number.parseInt(h, 16)),
      );
    }
  });
}

describe('writeAccessLine', () => {
  const fields = {
    method: 'GET',
    url: `/App.ipa?token=${REDACTED}`,
    path: '/Ünïcode "quoted"\\\u0001.ipa',
    status: 200,
    outcome: 'OK',
    bytes: 1024,
    ms: 0.123,
    client: '::ffff:127.0.0.1',
    fp: '0123456789abcdef',
    kid: undefined,
    cert: '01AB',
    via: 'file',
  };
  const capture = () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    return { lines, sink };
  };
  const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

  it('writes the line pino writes for the same fields, byte for byte', () => {
    const direct = capture();
    writeAccessLine(createServeLogger('info', direct.sink), fields);
    const viaPino = capture();
    createServeLogger('info', viaPino.sink).info(fields, 'request');
    expect(direct.lines).toHaveLength(1);
    expect(withoutTime(direct.lines[0]!)).toBe(withoutTime(viaPino.lines[0]!));
    expect(JSON.parse(direct.lines[0]!)).toMatchObject({
      level: 30,
      pid: process.pid,
      msg: 'request',
    });
    expect(direct.lines[0]).not.toContain('"kid"');
  });

  it('goes through pino for a multistream (it routes by the level pino records) and a child', () => {
    const multi = capture();
    const logger = createServeLogger('info', pino.multistream([{ stream: multi.sink }]));
    writeAccessLine(logger, fields);
    const child = capture();
    writeAccessLine(createServeLogger('info', child.sink).child({ worker: 2 }), fields);
    expect(multi.lines).toHaveLength(1);
    const { kid: _none, ...written } = fields;
    expect(JSON.parse(multi.lines[0]!)).toEqual({
      ...written,
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      msg: 'request',
    });
    expect(JSON.parse(child.lines[0]!)).toMatchObject({ worker: 2, path: fields.path });
  });
});

describe('access log', () => {
  it('never contains the token or the Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createServeLogger('info', sink);
    logger.info({ headers: { authorization: `Bearer ${JWT}` } }, 'header dump');
    const key = makeKey();
    const dir = await tempDir();
    await writeFile(join(dir, 'App.ipa'), 'x');
    const server = await startQuiet({
      root: dir,
      logger,
      keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
    });
    try {
      const token = sign(key);
      await (await fetch(`${server.url}/App.ipa?token=${token}`)).arrayBuffer();
      await (
        await fetch(`${server.url}/App.ipa`, { headers: { authorization: `Bearer ${token}` } })
      ).arrayBuffer();
      await (await fetch(`${server.url}/Missing.ipa?token=${sign(makeKey())}`)).arrayBuffer();
      await (
        await fetch(`${server.url}/_portcullis/auth`, {
          headers: { 'x-original-uri': `/App.ipa?token=${token}`, 'x-forwarded-method': 'GET' },
        })
      ).arrayBuffer();
      // The access line is written when the response closes, just after the client has the body.
      const deadline = Date.now() + 5000;
      while (
        lines.filter((l) => l.includes('"msg":"request"')).length < 4 &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const log = lines.join('');
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]);
      expect(log).not.toContain(JWT);
      const access = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      expect(access).toHaveLength(4);
      expect(access[0]).toMatchObject({
        status: 200,
        outcome: 'OK',
        path: '/App.ipa',
        url: `/App.ipa?token=${REDACTED}`,
      });
      expect(access[0].fp).toMatch(/^[0-9a-f]{16}$/);
      expect(access[2]).toMatchObject({ status: 401, outcome: 'SIGNATURE_INVALID' });
    } finally {
      await server.close();
      await removeDir(dir);
    }
  });
});
