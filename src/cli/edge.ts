/**
 * `portcullis edge build`: a Cloudflare Worker or a Lambda@Edge viewer-request function that
 * checks Jamf Pro's token at the CDN with the same token core and the same refusals as the
 * listener. Keys are read like `verify` reads them; the refusal bodies are rendered here by the
 * listener's own code (server/respond.ts) and embedded, so they are byte-identical.
 */
import { buildEdgeBundle } from '../edge/build.js';
import { EdgeError } from '../edge/errors.js';
import { loadEdgeKeys } from '../edge/keys.js';
import {
  EDGE_SERVE_CODES,
  type EdgeConfig,
  type EdgeOrigin,
  type EdgeRefusal,
} from '../edge/runtime/config.js';
import { EDGE_TARGETS, type EdgeTarget } from '../edge/target.js';
import { checkEdgeUrl } from '../edge/urls.js';
import { type Refusal, serveRefusal, tokenRefusal } from '../server/respond.js';
import { TOKEN_ERRORS, type TokenErrorCode } from '../token/errors.js';
import { CliError, type Command } from './run.js';
import { type PolicyFlags, policyFromFlags } from './verify.js';

interface EdgeFlags extends PolicyFlags {
  target: string;
  jwksUrl?: string;
  origin?: string;
  r2Bucket?: string;
  out: string;
  force?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function embeddable(r: Refusal): EdgeRefusal {
  return { status: r.status, headers: { ...r.headers }, body: r.body.toString('utf8') };
}

/** Every refusal an edge bundle can send, exactly as the listener renders it. */
export function listenerRefusals(): Record<string, EdgeRefusal> {
  const out: Record<string, EdgeRefusal> = {};
  for (const code of Object.keys(TOKEN_ERRORS) as TokenErrorCode[]) {
    out[code] = embeddable(tokenRefusal(code));
  }
  for (const code of EDGE_SERVE_CODES) out[code] = embeddable(serveRefusal(code));
  return out;
}

function originOf(target: EdgeTarget, flags: EdgeFlags): EdgeOrigin | undefined {
  if (target === 'lambda-edge') {
    if (flags.origin !== undefined || flags.r2Bucket !== undefined) {
      throw new EdgeError(
        'EDGE_OPTION_INVALID',
        '--origin and --r2-bucket are for --target cloudflare (CloudFront sends verified requests to the distribution origin)',
      );
    }
    return undefined;
  }
  if ((flags.origin === undefined) === (flags.r2Bucket === undefined)) {
    throw new EdgeError(
      'EDGE_OPTION_INVALID',
      '--target cloudflare needs one of --origin or --r2-bucket',
    );
  }
  if (flags.r2Bucket !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(flags.r2Bucket)) {
      throw new EdgeError(
        'EDGE_OPTION_INVALID',
        '--r2-bucket must be a binding name such as CONTENT',
      );
    }
    return { kind: 'r2', binding: flags.r2Bucket };
  }
  return { kind: 'url', url: checkEdgeUrl(flags.origin!, '--origin') };
}

/** Turns the flags into the embedded configuration (exported for tests and the bench). */
export async function edgeConfigFromFlags(
  flags: EdgeFlags,
): Promise<{ target: EdgeTarget; config: EdgeConfig }> {
  const target = flags.target as EdgeTarget;
  if (!EDGE_TARGETS.includes(target)) {
    throw new EdgeError('EDGE_OPTION_INVALID', '--target must be cloudflare or lambda-edge');
  }
  const origin = originOf(target, flags);
  const jwksUrl =
    flags.jwksUrl === undefined ? undefined : checkEdgeUrl(flags.jwksUrl, '--jwks-url');
  const keys = await loadEdgeKeys(flags.key ?? []);
  if (keys.length === 0 && jwksUrl === undefined) throw new EdgeError('EDGE_NO_KEYS');
  const { options } = policyFromFlags(flags);
  const config: EdgeConfig = {
    keys,
    policy: {
      leewaySeconds: options.leewaySeconds ?? 60,
      issuer: options.issuer ?? null,
      subject: options.subject ?? null,
      ...(options.audience == null ? {} : { audience: options.audience }),
    },
    refusals: listenerRefusals(),
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    ...(origin === undefined ? {} : { origin }),
  };
  return { target, config };
}

/** Registers `portcullis edge`. */
export function register(program: Command): void {
  const edge = program
    .command('edge')
    .description('Build the token check for a CDN: a Cloudflare Worker or a Lambda@Edge function.');
  edge
    .command('build')
    .description('Write a self-contained edge bundle and its deploy README into --out.')
    .requiredOption('--target <platform>', 'cloudflare or lambda-edge')
    .requiredOption(
      '--out <dir>',
      'directory to write the bundle, README and (cloudflare) wrangler.toml',
    )
    .option(
      '--key <file-or-url>',
      'public key, certificate, JWK/JWKS file, or https JWKS URL (repeatable)',
      collect,
    )
    .option('--jwks-url <url>', 'JWKS fetched at run time (cached; refetched on an unknown kid)')
    .option('--origin <url>', 'cloudflare: where verified requests are fetched from (https)')
    .option(
      '--r2-bucket <binding>',
      'cloudflare: serve from this R2 bucket binding instead of --origin',
    )
    .option(
      '--leeway <duration>',
      'clock skew tolerated for exp/nbf/iat: seconds (60) or a duration (90s, 1m)',
      '60',
    )
    .option('--iss <issuer>', 'required iss ("*" = any)', 'JSS')
    .option('--sub <subject>', 'required sub ("*" = any)', 'AppManifest')
    .option('--aud <audience>', 'required aud (repeat to accept several)', collect)
    .option('--force', 'replace files already in --out')
    .addHelpText(
      'after',
      '\nPrivate keys are refused: only public keys are embedded. No resume grace at the edge (see docs/edge.md).\nExit status: 0 written; 2 usage, key or build error.',
    )
    .action(async (flags: EdgeFlags) => {
      if (!flags.key?.length && flags.jwksUrl === undefined) {
        throw new CliError('edge build needs at least one --key or a --jwks-url');
      }
      const { target, config } = await edgeConfigFromFlags(flags);
      const result = await buildEdgeBundle({
        target,
        config,
        outDir: flags.out,
        force: flags.force === true,
      });
      const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      process.stdout.write(
        `✓ ${target} bundle: ${result.bundle} (${kib(result.bytes)}, ${kib(result.gzipBytes)} gzipped)\n` +
          `  keys: ${config.keys.map((k) => k.kid).join(', ') || '(from --jwks-url)'}\n` +
          `  next: read ${flags.out}/README.md to deploy it\n`,
      );
    });
}
