/**
 * Which path a signed URL's token is bound to: what the content listener will see for that URL
 * (raw path, decoded once by src/http/path.ts, relative to the public URL's own path prefix).
 */
import { describe, expect, it } from 'vitest';
import { listenerPathOf } from '../../src/admin/routes/configuration-forms.js';
import { SchemaValidationError } from '../../src/admin/validation.js';

describe('listenerPathOf', () => {
  it('decodes once and strips the public URL prefix only for URLs under it', () => {
    const pub = 'https://dist.example.test/portcullis';
    expect(listenerPathOf(`${pub}/apps/My%20App.ipa?x=1#f`, pub, 'url')).toBe('/apps/My App.ipa');
    expect(listenerPathOf('https://DIST.example.test/portcullis/a.pkg', pub, 'url')).toBe('/a.pkg');
    // Another origin, or a look-alike prefix, keeps its whole path.
    expect(listenerPathOf('https://cdn.example.test/portcullis/a.pkg', pub, 'url')).toBe(
      '/portcullis/a.pkg',
    );
    expect(listenerPathOf('https://dist.example.test/portcullisx/a.pkg', pub, 'url')).toBe(
      '/portcullisx/a.pkg',
    );
    expect(
      listenerPathOf('https://dist.example.test/a.pkg', 'https://dist.example.test', 'path'),
    ).toBe('/a.pkg');
  });

  it('refuses URLs that name no single servable file, raw dot segments included', () => {
    const pub = 'https://dist.example.test';
    for (const url of [
      `${pub}`,
      `${pub}/`,
      `${pub}/apps/`,
      `${pub}/apps/../secret.ipa`,
      `${pub}/apps/%2e%2e/secret.ipa`,
      `${pub}/a%2fb.ipa`,
      `${pub}/.env`,
      `${pub}/a%252e.ipa`,
    ]) {
      // A form error on the url field (400 VALIDATION_FAILED), worded for people.
      expect(() => listenerPathOf(url, pub, 'url'), url).toThrow(SchemaValidationError);
      expect(() => listenerPathOf(url, pub, 'url'), url).toThrow(
        'URL must name one file the content listener serves.',
      );
    }
  });
});
