/**
 * Worker thread of a TLS reload: reads and checks the client CA bundle and the CRLs
 * (`readClientAuthData`) off the serving loop, since a device CA's list of 200,000 entries takes
 * a quarter of a second to verify and read. Answers once with the data or the error, then exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readClientAuthData } from './client-cert.js';

const { clientCa, clientCrl } = workerData as { clientCa: string; clientCrl: string | null };
try {
  parentPort!.postMessage({ ok: true, data: readClientAuthData(clientCa, clientCrl) });
} catch (err) {
  const e = err as Error & { code?: unknown; cause?: unknown };
  const cause = e.cause as { code?: unknown; reason?: unknown } | undefined;
  const reason = cause?.code ?? cause?.reason; // CRL_TOO_LARGE, …, or 'not-regular', …
  parentPort!.postMessage({
    ok: false,
    code: typeof e.code === 'string' ? e.code : 'CONFIG_INVALID',
    reason: typeof reason === 'string' ? reason : undefined,
    message: e.message,
  });
}
