/**
 * What a start tells the person who ran it: the one-time admin password with the console URL,
 * how to connect Jamf Pro (it signs download links, so it gets the private key), and a warning
 * when the zero-configuration demo key still opens downloads beside the admin's own keys.
 * Texts only; src/app/launch.ts decides when and where they go.
 */

/** The console's address on the admin listener, or null when there is no admin listener. */
export function consoleUrlOf(adminUrl: string | null): string | null {
  return adminUrl === null ? null : `${adminUrl}/admin`;
}

/** Banner with the one-time password, shown once (terminal or a 0600 file, never the JSON log). */
export function firstAdminBanner(
  username: string,
  password: string,
  consoleUrl: string | null,
): string {
  const line = '='.repeat(72);
  const console =
    consoleUrl ??
    'not running (the admin listener did not start); it is /admin on the admin listener (--admin-port)';
  return [
    line,
    'Portcullis admin API: first start. A one-time admin account was created.',
    `  console : ${console}`,
    `  username: ${username}`,
    `  password: ${password}`,
    'Sign in to the console (or POST /api/v1/auth/token) and change it; it is shown only once.',
    line,
    '',
  ].join('\n');
}

/**
 * How to connect Jamf Pro, in the words of `portcullis keygen`'s "Next steps": Jamf Pro signs
 * the download links, so it is given the PRIVATE key; Portcullis verifies with the same key's
 * public half, which it takes from that key when it is added as a configuration.
 */
export function jamfSteps(consoleUrl: string | null): string[] {
  const where = consoleUrl ? `the console (${consoleUrl})` : 'the admin console';
  return [
    'Connect Jamf Pro (it signs the download links, so it needs the PRIVATE key):',
    '  1. portcullis keygen --out jamf-key.pem',
    '  2. Jamf Pro: Settings → PKI Certificates → JSON Web Token Configuration → New;',
    '     paste the contents of jamf-key.pem as the private key.',
    `  3. In ${where}: JWT configurations → New, with the same jamf-key.pem.`,
    '  4. Then disable "Default" there: it is a demo key, and its tokens open downloads too.',
  ];
}

/** The start-log line when the zero-config "Default" is enabled beside other configurations. */
export function defaultBesideOthersWarning(
  zeroConfig: { id: string; displayName: string },
  others: number,
  consoleUrl: string | null,
): string {
  const defaultId = zeroConfig.id;
  // Found by the store's zero-config marker, not by name: a renamed demo key is still named.
  const name = JSON.stringify(zeroConfig.displayName);
  const where = consoleUrl
    ? `in the console (${consoleUrl}/configurations/${defaultId}: untick Enabled, Save)`
    : `in the console (JWT configurations → ${name}: untick Enabled, Save)`;
  return (
    `JWT configuration ${name} (the zero-configuration demo key) is still enabled beside ${others} other ` +
    `configuration${others === 1 ? '' : 's'}: tokens signed with it still open downloads. Disable it ${where}, ` +
    `or: PATCH /api/v1/jwt-configurations/${defaultId} with {"enabled":false}`
  );
}
