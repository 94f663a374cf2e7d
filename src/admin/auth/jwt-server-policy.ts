/**
 * What a trusted external JWT server may vouch for, as data: the claims its tokens must carry
 * (an issuer + audience alone says nothing about WHO minted the token when the issuer is shared
 * by every GitHub repository or every Google account), the longest token lifetime it may grant,
 * and how its callers are named so they can never pass for a local account.
 */
import type { JwtServerRecord, RequiredClaims } from '../../store/types.js';

/** Default and upper bound of `maxTokenLifetimeSeconds` (one hour; one day). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Bounds of `requiredClaims`: entries, accepted values per claim, name and value lengths. */
export const REQUIRED_CLAIMS_LIMITS = { entries: 16, values: 32, name: 100, value: 512 } as const;
/** Claims checked by the verifier itself; requiring them here would only confuse. */
export const RESERVED_CLAIMS: readonly string[] = ['iss', 'aud', 'exp', 'iat', 'nbf'];
/** The longest username claim value accepted (it is shown and logged). */
const MAX_USERNAME_VALUE = 256;

/**
 * Issuers shared by many unrelated tenants: anyone can obtain a token from them with any
 * audience. An entry for one of them must require at least one claim that names the tenant
 * (the organisation, repository, project, hosted domain or directory), whatever its role.
 */
export const MULTI_TENANT_ISSUERS: ReadonlyArray<{
  label: string;
  issuer: string;
  tenantClaims: readonly string[];
}> = [
  {
    label: 'GitHub Actions',
    issuer: 'https://token.actions.githubusercontent.com',
    tenantClaims: [
      'repository_owner',
      'repository_owner_id',
      'repository',
      'repository_id',
      'enterprise',
      'enterprise_id',
      'sub',
    ],
  },
  {
    label: 'GitLab.com CI',
    issuer: 'https://gitlab.com',
    tenantClaims: ['namespace_path', 'namespace_id', 'project_path', 'project_id', 'sub'],
  },
  // Google signs ID tokens with either form of its issuer.
  ...['https://accounts.google.com', 'accounts.google.com'].map((issuer) => ({
    label: 'Google',
    issuer,
    tenantClaims: ['hd', 'sub', 'email'],
  })),
  {
    label: 'Buildkite',
    issuer: 'https://agent.buildkite.com',
    // Not pipeline_slug: every organization may have a pipeline called "release".
    tenantClaims: ['organization_slug', 'organization_id', 'sub'],
  },
  {
    label: 'HCP Terraform',
    issuer: 'https://app.terraform.io',
    tenantClaims: [
      'terraform_organization_id',
      'terraform_organization_name',
      'terraform_workspace_id',
      'sub',
    ],
  },
  ...['common', 'organizations', 'consumers'].map((tenant) => ({
    label: `Microsoft Entra ID (${tenant})`,
    issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
    tenantClaims: ['tid', 'oid', 'sub'],
  })),
];

/** The multi-tenant issuer entry `issuer` names (trailing slashes and case of the host ignored). */
export function multiTenantIssuer(
  issuer: string,
): (typeof MULTI_TENANT_ISSUERS)[number] | undefined {
  const canonical = issuer.replace(/\/+$/, '').toLowerCase();
  return MULTI_TENANT_ISSUERS.find((m) => m.issuer.toLowerCase() === canonical);
}

type PolicyFields = Pick<JwtServerRecord, 'issuer' | 'role' | 'requiredClaims'>;

/**
 * Why this entry must not be trusted as configured (a multi-tenant issuer without a claim
 * that pins the tenant), or undefined. Checked on create/update and again on every token, so
 * an entry stored before this rule existed fails closed.
 */
export function policyRefusal(server: PolicyFields): string | undefined {
  const shared = multiTenantIssuer(server.issuer);
  if (!shared) return undefined;
  if (shared.tenantClaims.some((claim) => Object.hasOwn(server.requiredClaims, claim))) {
    return undefined;
  }
  return `${shared.label} issues tokens to every tenant: requiredClaims must pin one of ${shared.tenantClaims.join(', ')}`;
}

/** Advice shown with an entry that is allowed but risky. */
export function policyWarnings(server: PolicyFields): string[] {
  const warnings: string[] = [];
  if (server.role === 'admin' && Object.keys(server.requiredClaims).length === 0) {
    warnings.push(
      'role admin without requiredClaims: every token this issuer mints for this audience is an administrator; pin the subject, repository or tenant with requiredClaims',
    );
  }
  return warnings;
}

/** The first required claim `payload` does not satisfy (exact string match), or undefined. */
export function unmetClaim(
  payload: Record<string, unknown>,
  required: RequiredClaims,
): string | undefined {
  for (const [name, expected] of Object.entries(required)) {
    const actual = Object.hasOwn(payload, name) ? payload[name] : undefined;
    const allowed = typeof expected === 'string' ? [expected] : expected;
    if (typeof actual !== 'string' || !allowed.includes(actual)) return name;
  }
  return undefined;
}

/**
 * The name an external caller gets: `jwt-server:<server name>/<claim value>`. Local usernames
 * allow only letters, digits and `. _ @ -`, so a name with `:` can never equal one.
 * Returns undefined for a value that is empty, too long or holds control characters.
 */
export function externalUsername(serverName: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_USERNAME_VALUE) {
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return undefined;
  return `jwt-server:${serverName}/${value}`;
}
