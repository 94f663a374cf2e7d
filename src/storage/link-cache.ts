/**
 * Reuse of signed links. Signing costs more than verifying the device's token (an SDK presign
 * ≈ 0.5 ms, a CloudFront RSA signature ≈ 1 ms, an RS256 verify ≈ 0.06 ms), so a link is made
 * once per object, method and lifetime step per time window and handed to every device that
 * asks in that window. A link's validity starts at the window's start and its lifetime is
 * rounded up (to whole windows, in steps of at most an eighth of it), so it always covers what
 * the request needs, and at most one window or an eighth longer. Sharing is safe: a link grants exactly what any holder of a valid token gets.
 */
import type { ContentLinkRequest, ContentLinkSigner } from '../contracts/content-link.js';

/** Options of {@link reuseSignedLinks}. */
export interface LinkReuseOptions {
  /** Window length in seconds (default 60); 0 signs every request afresh. */
  windowSeconds?: number;
  /** Links kept at most (default 10 000, the oldest go first). */
  maxEntries?: number;
}

/** A signer whose `sign` takes the request's own time and may answer a link made earlier. */
export function reuseSignedLinks(
  signer: ContentLinkSigner,
  options: LinkReuseOptions = {},
): ContentLinkSigner {
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  if (windowMs <= 0) return signer;
  const maxEntries = options.maxEntries ?? 10_000;
  const links = new Map<string, string | Promise<string>>();
  let window = 0;
  return {
    maxLifetimeSeconds: signer.maxLifetimeSeconds,
    describe: () => signer.describe(),
    sign(request: ContentLinkRequest): string | Promise<string> {
      const start = Math.floor(request.issuedAt / windowMs) * windowMs;
      if (start !== window) {
        // A new window: links of the last one are never handed out again.
        links.clear();
        window = start;
      }
      const needed = request.issuedAt + request.expiresInSeconds * 1000 - start;
      // Lifetimes are rounded up in steps that grow with them (a power-of-two number of windows,
      // at most an eighth of the need): the tokens of a fleet expire at many different times, and
      // one link per minute of expiry would mean a signature for nearly every request.
      let step = windowMs;
      while (step * 16 <= needed) step *= 2;
      const steps = Math.max(1, Math.ceil(needed / step));
      const lifetime = Math.min(signer.maxLifetimeSeconds, (steps * step) / 1000);
      const key = `${request.method}\u0000${lifetime}\u0000${request.path}`;
      const known = links.get(key);
      if (known !== undefined) return known;
      if (links.size >= maxEntries) links.delete(links.keys().next().value!);
      const made = signer.sign({ ...request, issuedAt: start, expiresInSeconds: lifetime });
      links.set(key, made);
      if (made instanceof Promise) {
        // Once made, the link itself is kept (later requests get it without a promise); a failed
        // signing is not remembered: the next request tries again.
        made.then(
          (link) => {
            if (links.get(key) === made) links.set(key, link);
          },
          () => {
            if (links.get(key) === made) links.delete(key);
          },
        );
      }
      return made;
    },
  };
}
