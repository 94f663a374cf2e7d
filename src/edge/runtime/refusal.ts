/** Turning an embedded refusal into each platform's response shape. */
import type { EdgeConfig, EdgeRefusal } from './config.js';

/** The refusal for `code` (every code the gate returns is embedded; see build.ts). */
export function refusalFor(config: EdgeConfig, code: string): EdgeRefusal {
  const r = config.refusals[code];
  if (r === undefined) throw new TypeError(`no refusal embedded for ${code}`);
  return r;
}

/** A Worker Response; HEAD gets the headers only, like the listener. */
export function refusalResponse(
  refusal: EdgeRefusal,
  method: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(method === 'HEAD' ? null : refusal.body, {
    status: refusal.status,
    headers: { ...refusal.headers, ...extra },
  });
}
