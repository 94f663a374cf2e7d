/**
 * Console tools on the admin API: the token inspector (every check of a pasted token or URL,
 * against one configuration's key or all enabled ones), the distribution-point probe (hostile
 * tokens plus one valid token signed with a configuration's key), and serve readiness for the
 * dashboard. Tokens sent here are never logged, stored or echoed back.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ProbeRunner } from '../../contracts/probe-runner.js';
import type { Store } from '../../store/types.js';
import { explainToken } from '../../token/inspect.js';
import { KeyRing, type VerificationKey } from '../../token/key-ring.js';
import { nodeSignatureBackend } from '../../token/node.js';
import { extractToken } from '../../token/url.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { InspectBody, ProbeBody } from '../schemas.js';
import { fieldIssue, SchemaValidationError } from '../validation.js';

/** How long a readiness answer is reused (the dashboard polls; readyz requests are audited). */
const HEALTH_TTL_MS = 30_000;
const HEALTH_TIMEOUT_MS = 3_000;

async function keysFor(store: Store, configurationId?: string): Promise<VerificationKey[]> {
  if (configurationId !== undefined) {
    const c = await store.configurations.get(configurationId);
    if (!c) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
    return [{ kid: c.kid, alg: 'RS256', key: createPublicKey(c.publicKeyPem), label: c.id }];
  }
  const keys: VerificationKey[] = [];
  for (const c of await store.configurations.list()) {
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
    const message = err instanceof Error ? err.message : 'No token found.';
    throw new SchemaValidationError('body', [fieldIssue(field, message)]);
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

/** Options of {@link toolsRoutes}: the probe mints, so it gets the signer. */
export interface ToolsRoutesOptions extends RouteDeps {
  signer: ConfigurationSigner;
  /** Public base URL of the content listener (readiness is asked there). */
  publicUrl: string;
  /** The distribution-point probe (src/probe, injected by src/app). */
  probe: ProbeRunner;
}

/**
 * Registers POST /api/v1/tools/inspect (any signed-in user), POST /api/v1/tools/probe (callers
 * who may mint)
 * and GET /api/v1/tools/health (any signed-in user).
 */
export const toolsRoutes: FastifyPluginAsyncZod<ToolsRoutesOptions> = async (app, deps) => {
  const { store, signer, publicUrl } = deps;
  app.post(
    '/api/v1/tools/inspect',
    {
      // Inspecting changes nothing, so read-only accounts may use it despite the POST.
      preHandler: deps.guards.authenticate,
      schema: { summary: 'Explain a token check by check', tags: ['tools'], body: InspectBody },
    },
    async (request) => {
      const { body } = request;
      const token = tokenFrom(body);
      const keyRing = new KeyRing(await keysFor(store, body.configurationId));
      const now = deps.now() / 1000;
      return explainToken(token, { keyRing, backend: nodeSignatureBackend, now });
    },
  );

  app.post(
    '/api/v1/tools/probe',
    {
      // The probe sends a valid token signed with the configuration's key: that is minting.
      preHandler: deps.guards.requireSigning,
      schema: {
        summary: 'Probe a distribution point with hostile and valid tokens',
        tags: ['tools'],
        body: ProbeBody,
      },
    },
    async (request) => {
      const { body } = request;
      const minter = signer.minterFor(request.principal);
      const grant = await minter.probeKey(body.configurationId, body.url);
      return deps.probe.run(body.url, grant.privateKey, {
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
      preHandler: deps.guards.authenticate,
      schema: { summary: 'Readiness of the content listener (readyz)', tags: ['tools'] },
    },
    async () => {
      const now = Date.now();
      if (!cached || now - cached.at > HEALTH_TTL_MS)
        cached = { at: now, value: fetchReadiness(publicUrl) };
      return cached.value;
    },
  );
};
