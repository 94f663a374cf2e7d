/**
 * Console tools on the admin API: the token inspector (every check of a pasted token or URL,
 * against one configuration's key or all enabled ones), the distribution-point probe (hostile
 * tokens plus one valid token signed with a configuration's key), and serve readiness for the
 * dashboard. Tokens sent here are never logged, stored or echoed back.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { explainToken } from '../../token/inspect.js';
import { KeyRing, type VerificationKey } from '../../token/key-ring.js';
import { nodeSignatureBackend } from '../../token/node.js';
import { extractToken } from '../../token/url.js';
import { AdminError } from '../errors.js';
import { SchemaValidationError } from '../validation.js';

/** Longest token or URL the inspector accepts (the verifier's own cap is far below). */
const MAX_INPUT = 16 * 1024;

/** POST /api/v1/tools/inspect */
export const InspectBody = z
  .strictObject({
    token: z.string().min(1).max(MAX_INPUT).optional(),
    url: z.string().min(1).max(MAX_INPUT).optional(),
    configurationId: z.string().min(1).max(100).optional(),
  })
  .refine((b) => (b.token === undefined) !== (b.url === undefined), {
    message: 'give exactly one of token or url',
    path: ['token'],
  });

/** POST /api/v1/tools/probe */
export const ProbeBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(4096),
  configurationId: z.string().min(1).max(100),
});

/** How long a readiness answer is reused (the dashboard polls; readyz requests are audited). */
const HEALTH_TTL_MS = 30_000;
const HEALTH_TIMEOUT_MS = 3_000;

async function keysFor(app: FastifyInstance, configurationId?: string): Promise<VerificationKey[]> {
  if (configurationId !== undefined) {
    const c = await app.store.configurations.get(configurationId);
    if (!c) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
    return [{ kid: c.kid, alg: 'RS256', key: createPublicKey(c.publicKeyPem), label: c.id }];
  }
  const keys: VerificationKey[] = [];
  for (const c of await app.store.configurations.list()) {
    if (c.enabled)
      keys.push({ kid: c.kid, alg: 'RS256', key: createPublicKey(c.publicKeyPem), label: c.id });
  }
  return keys;
}

function tokenFrom(body: z.infer<typeof InspectBody>): string {
  const field = body.token !== undefined ? 'token' : 'url';
  try {
    return extractToken((body.token ?? body.url)!);
  } catch (err) {
    // A TokenError would map to 401 and sign the console user out; this is a form error.
    const message = err instanceof Error ? err.message : 'no token found';
    throw new SchemaValidationError('body', [{ path: field, message }]);
  }
}

let attackerKey: Promise<KeyObject> | undefined;
/** One attacker key per process: RSA generation is slow and the key's identity does not matter. */
function sharedAttackerKey(): Promise<KeyObject> {
  attackerKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(
    (pair) => pair.privateKey,
  );
  return attackerKey;
}

interface Health {
  ok: boolean;
  status: number;
  checks?: Record<string, unknown>;
  detail?: string;
  checkedAt: string;
}

async function fetchReadiness(publicUrl: string): Promise<Health> {
  const checkedAt = new Date().toISOString();
  try {
    const res = await fetch(`${publicUrl}/_portcullis/readyz`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
    const text = (await res.text()).slice(0, 4096);
    let checks: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        checks = parsed as Record<string, unknown>;
    } catch {
      // Not JSON (e.g. a front proxy's page): report the status only.
    }
    return { ok: res.status === 200, status: res.status, ...(checks ? { checks } : {}), checkedAt };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    const detail =
      name === 'TimeoutError'
        ? 'readyz did not answer within 3 s'
        : 'the content listener could not be reached';
    return { ok: false, status: 0, detail, checkedAt };
  }
}

/**
 * Registers POST /api/v1/tools/inspect (any signed-in user), POST /api/v1/tools/probe (callers
 * who may mint)
 * and GET /api/v1/tools/health (any signed-in user).
 */
export async function toolsRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/api/v1/tools/inspect',
    {
      // Inspecting changes nothing, so read-only accounts may use it despite the POST.
      preHandler: app.authenticate,
      schema: { summary: 'Explain a token check by check', tags: ['tools'], body: InspectBody },
    },
    async (request) => {
      const body = request.body as z.infer<typeof InspectBody>;
      const token = tokenFrom(body);
      const keyRing = new KeyRing(await keysFor(app, body.configurationId));
      const now = app.adminServices.now() / 1000;
      return explainToken(token, { keyRing, backend: nodeSignatureBackend, now });
    },
  );

  app.post(
    '/api/v1/tools/probe',
    {
      // The probe sends a valid token signed with the configuration's key: that is minting.
      preHandler: app.requireSigning,
      schema: {
        summary: 'Probe a distribution point with hostile and valid tokens',
        tags: ['tools'],
        body: ProbeBody,
      },
    },
    async (request) => {
      const body = request.body as z.infer<typeof ProbeBody>;
      const minter = app.adminServices.signer.minterFor(request.principal);
      const grant = await minter.probeKey(body.configurationId, body.url);
      return app.adminServices.probe.run(body.url, grant.privateKey, {
        now: grant.now,
        timeoutMs: 10_000,
        attackerKey: await sharedAttackerKey(),
      });
    },
  );

  let cached: { at: number; value: Promise<Health> } | undefined;
  app.get(
    '/api/v1/tools/health',
    {
      preHandler: app.authenticate,
      schema: { summary: 'Readiness of the content listener (readyz)', tags: ['tools'] },
    },
    async () => {
      const now = Date.now();
      if (!cached || now - cached.at > HEALTH_TTL_MS)
        cached = { at: now, value: fetchReadiness(app.publicUrl) };
      return cached.value;
    },
  );
}
