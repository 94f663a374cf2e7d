// Pre-signs the tokens for bench/serve.mjs outside the measured window. Fresh-token scenarios need
// one distinct RS256 signature per request; signing is the slow part (~1 ms each), so it is spread
// over worker threads. Tokens are Jamf-shaped and differ only in exp (one second apart).
import { createPrivateKey, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const b64url = (value) => Buffer.from(value).toString('base64url');
const HEADER = b64url('{"alg":"RS256"}');

/** One Jamf-shaped token: header {"alg":"RS256"}, claims {sub, iss, exp}. */
export function jamfToken(key, exp) {
  const input = `${HEADER}.${b64url(JSON.stringify({ sub: 'AppManifest', iss: 'JSS', exp }))}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** Signs `count` distinct tokens with exp = firstExp, firstExp+1, … using every core. */
export async function signTokens(privateKeyPem, count, firstExp) {
  const threads = Math.max(1, Math.min(availableParallelism(), 8));
  const per = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const start = t * per;
      const n = Math.max(0, Math.min(per, count - start));
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: { pem: privateKeyPem, start: firstExp + start, n },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  return parts.flat();
}

if (!isMainThread) {
  const key = createPrivateKey(workerData.pem);
  const out = [];
  for (let i = 0; i < workerData.n; i++) out.push(jamfToken(key, workerData.start + i));
  parentPort.postMessage(out);
}
