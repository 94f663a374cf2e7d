/**
 * The words a person sees for each admin API field. Validation messages are built from this
 * table and a phrase per kind of failure (validation.ts), never written per route, so every
 * field of every schema reads the same way in the API and the console ("Display name is
 * required"). test/admin/field-messages.test.ts fails when a schema gains a field without a label.
 */

/** Field name (or dotted path, for nested fields) → label shown to people. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  // JWT configurations
  displayName: 'Display name',
  key: 'Key',
  'key.pem': 'Private key (PEM)',
  'key.passphrase': 'Key passphrase',
  passphrase: 'Key passphrase',
  'key.generate': 'Generated key',
  'key.generate.bits': 'Key size',
  tokenExpiry: 'Token lifetime',
  enabled: 'Enabled',
  url: 'URL',
  path: 'Path',
  id: 'ID',
  // Sessions and accounts
  username: 'Username',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  role: 'Role',
  mustChangePassword: 'Must change password',
  disabled: 'Disabled',
  // External JWT servers
  name: 'Name',
  issuer: 'Issuer',
  audience: 'Audience',
  usernameClaim: 'Username claim',
  requiredClaims: 'Required claims',
  'requiredClaims.*': 'Value of required claim',
  maxTokenLifetimeSeconds: 'Longest token lifetime',
  jwksUrl: 'JWKS URL',
  sharedSecret: 'Shared secret',
  // Audit, change log and settings
  outcome: 'Outcome',
  since: 'From',
  until: 'To',
  configurationId: 'JWT configuration',
  limit: 'Page size',
  cursor: 'Page cursor',
  bucket: 'Interval',
  actor: 'Actor',
  action: 'Action',
  auditRetentionDays: 'Audit retention (days)',
  auditMaxRows: 'Most audit rows',
  keyRotationDays: 'Key rotation age (days)',
  sessionMaxHours: 'Longest session (hours)',
  // Tools and content
  token: 'Token',
  config: 'JWT configuration',
  managementFlags: 'Management flags',
  bundleId: 'Bundle identifier',
  bundleVersion: 'Bundle version',
  manifestUrl: 'Send a manifest URL',
  pinning: 'Pin the server certificate',
  pinningRevocationCheck: 'Require a revocation check',
  // Manifest links
  label: 'Label',
  expiresInDays: 'Lifetime (days)',
  // Declaration export
  type: 'Declaration type',
  linkId: 'Manifest link',
  newLink: 'New manifest link',
  'newLink.configurationId': 'JWT configuration',
  'newLink.label': 'Label',
  'newLink.expiresInDays': 'Lifetime (days)',
  identifier: 'Identifier',
  install: 'Install',
  automaticAppUpdates: 'Automatic app updates',
  includeInBackup: 'Include in backup',
};

/**
 * The label of a dotted field path: the longest prefix the table names (`key.pem`, then `key`);
 * below a record (`requiredClaims.repo`) its `.*` entry with the key quoted; else the path as
 * given. List indexes are left out.
 */
export function fieldLabel(path: string): string {
  const parts = path.split('.').filter((p) => !/^\d+$/.test(p));
  for (let end = parts.length; end > 0; end--) {
    const prefix = parts.slice(0, end).join('.');
    const rest = parts.slice(end).join('.');
    if (rest === '' && FIELD_LABELS[prefix] !== undefined) return FIELD_LABELS[prefix];
    const entry = FIELD_LABELS[`${prefix}.*`];
    if (rest !== '' && entry !== undefined) return `${entry} "${rest}"`;
    if (rest !== '' && FIELD_LABELS[prefix] !== undefined)
      return `${FIELD_LABELS[prefix]} (${rest})`;
  }
  return path;
}
