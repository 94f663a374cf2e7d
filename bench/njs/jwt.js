// RS256 check of Jamf tokens inside nginx (njs 0.7.9 WebCrypto), the "nginx + njs" peer of
// `npm run bench:serve`. Used through auth_request: nginx serves the file, this handler answers
// the auth subrequest with 204 or 401. The public key arrives as base64 DER (SPKI) in the nginx
// variable $jwt_spki. njs 0.7 clones a fresh VM per request and has no shared store, so the key is
// imported on every request and nothing is cached: that is the honest cost of this setup.

function b64urlDecode(text) {
  return Buffer.from(text, 'base64url');
}

function tokenOf(r) {
  // In the auth subrequest the query belongs to the parent request: read it from $request_uri.
  const uri = r.variables.request_uri || '';
  const match = /[?&]token=([A-Za-z0-9_.-]+)/.exec(uri);
  return match ? match[1] : null;
}

function claimsOk(claims, now) {
  return (
    claims.iss === 'JSS' &&
    claims.sub === 'AppManifest' &&
    typeof claims.exp === 'number' &&
    claims.exp + 60 > now &&
    (typeof claims.nbf !== 'number' || claims.nbf - 60 <= now)
  );
}

async function verify(r) {
  const token = tokenOf(r);
  const parts = token ? token.split('.') : [];
  if (parts.length !== 3 || token.length > 4096) return r.return(401);
  try {
    const header = JSON.parse(b64urlDecode(parts[0]).toString());
    if (
      header.alg !== 'RS256' ||
      header.jku ||
      header.jwk ||
      header.x5u ||
      header.x5c ||
      header.crit
    ) {
      return r.return(401);
    }
    const key = await crypto.subtle.importKey(
      'spki',
      Buffer.from(r.variables.jwt_spki, 'base64'),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const ok = await crypto.subtle.verify(
      { name: 'RSASSA-PKCS1-v1_5' },
      key,
      b64urlDecode(parts[2]),
      Buffer.from(`${parts[0]}.${parts[1]}`),
    );
    if (!ok) return r.return(401);
    const claims = JSON.parse(b64urlDecode(parts[1]).toString());
    return r.return(claimsOk(claims, Date.now() / 1000) ? 204 : 401);
  } catch (_err) {
    // njs 0.7 has no optional catch binding, hence the unused name.
    return r.return(401);
  }
}

export default { verify };
