// A throw-away device-identity PKI made by the openssl CLI (`openssl req`, `openssl ca`), the way
// an MDM's CA issues device identities: a root CA, an intermediate, an unrelated CA, device
// certificates (valid, expired, not yet valid, wrong CA, revoked, without the clientAuth EKU,
// issued by the intermediate) and CRLs (current, revoking one device, stale).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A device certificate and its key (PEM files); `chain` adds the intermediate after the leaf. */
export interface DeviceCert {
  cert: string;
  key: string;
  /** Leaf followed by the CAs between it and the root, for clients that send the chain. */
  chain: string;
  serial: string;
}

/** Every file a client-certificate test needs. */
export interface DevicePki {
  dir: string;
  /** The root CA (the `clientCa` bundle). */
  rootCa: string;
  /** Root and intermediate in one bundle. */
  rootAndIntermediateCa: string;
  otherCa: string;
  devices: Record<
    | 'valid'
    | 'expired'
    | 'future'
    | 'wrongCa'
    | 'revoked'
    | 'serverOnly'
    | 'viaIntermediate'
    | 'forgedIssuer'
    | 'rootCaItself',
    DeviceCert
  >;
  /** Root CRL revoking `revoked`, valid for a day. */
  rootCrl: string;
  /** Root CRL revoking nothing. */
  rootCrlEmpty: string;
  /** Root CRL whose nextUpdate has passed. */
  rootCrlStale: string;
  /** Root CRL in DER. */
  rootCrlDer: string;
  /** The intermediate's CRL (revoking nothing). */
  intermediateCrl: string;
  /** A CRL issued by the unrelated CA. */
  otherCrl: string;
}

const run = (args: string[], cwd: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** YYMMDDHHMMSSZ `days` from now (negative: in the past). */
function asn1Time(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`;
}

const CA_CONFIG = (dir: string) => `
[ ca ]
default_ca = this
[ this ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
certificate = ${dir}/ca.crt
private_key = ${dir}/ca.key
default_md = sha256
default_days = 30
default_crl_days = 1
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ device ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ server_only ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[ sub_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
`;

/** A CA directory with its own openssl ca database; self-signed unless `parent` issues it. */
function makeCa(root: string, name: string, parent?: string, cn = name): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'issued'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  // Random 64-bit serials (top bit clear), so serials differ between CAs and runs.
  writeFileSync(join(dir, 'serial'), `40${randomBytes(7).toString('hex')}\n`);
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG(dir));
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  const subj = `/O=Portcullis Test MDM/CN=${cn}`;
  if (parent === undefined) {
    run(
      ['req', '-x509', '-new', '-key', 'ca.key', '-days', '30', '-subj', subj, '-out', 'ca.crt']
        .concat(['-addext', 'basicConstraints=critical,CA:TRUE'])
        .concat(['-addext', 'keyUsage=critical,keyCertSign,cRLSign']),
      dir,
    );
  } else {
    run(['req', '-new', '-key', 'ca.key', '-subj', subj, '-out', 'ca.csr'], dir);
    const p = join(root, parent);
    run(
      ['ca', '-batch', '-config', join(p, 'ca.cnf'), '-extensions', 'sub_ca'].concat([
        '-in',
        join(dir, 'ca.csr'),
        '-out',
        join(dir, 'ca.crt'),
        '-notext',
      ]),
      p,
    );
  }
  return dir;
}

/** Issues a device certificate from `caDir`. */
function issue(
  caDir: string,
  name: string,
  opts: {
    extensions?: string;
    start?: number;
    end?: number;
    chain?: string[];
    /** The subject's CN (UTF-8); the file name by default. */
    cn?: string;
  } = {},
): DeviceCert {
  const key = join(caDir, `${name}.key`);
  const csr = join(caDir, `${name}.csr`);
  const cert = join(caDir, `${name}.crt`);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], caDir);
  const subj = `/O=Example School/CN=${opts.cn ?? name}`;
  run(['req', '-new', '-utf8', '-key', key, '-subj', subj, '-out', csr], caDir);
  const dates = ['-startdate', asn1Time(opts.start ?? -1), '-enddate', asn1Time(opts.end ?? 30)];
  run(
    [
      'ca',
      '-batch',
      '-config',
      join(caDir, 'ca.cnf'),
      '-extensions',
      opts.extensions ?? 'device',
      '-utf8',
    ].concat(dates, ['-in', csr, '-out', cert, '-notext']),
    caDir,
  );
  const chain = join(caDir, `${name}.chain.pem`);
  writeFileSync(chain, [cert, ...(opts.chain ?? [])].map((f) => readFileSync(f, 'utf8')).join(''));
  const serial = run(['x509', '-in', cert, '-noout', '-serial'], caDir)
    .toString()
    .trim()
    .replace(/^serial=/, '')
    .replace(/^0+/, '');
  return { cert, key, chain, serial };
}

/** Writes a CRL of `caDir` to `out` (PEM, or DER with `der`). */
function crl(caDir: string, out: string, opts: { last?: number; next?: number } = {}): string {
  const args = ['ca', '-config', join(caDir, 'ca.cnf'), '-gencrl', '-out', out];
  if (opts.last !== undefined) args.push('-crl_lastupdate', asn1Time(opts.last));
  if (opts.next !== undefined) args.push('-crl_nextupdate', asn1Time(opts.next));
  run(args, caDir);
  return out;
}

/** Makes the whole PKI in `dir` (about a second with P-256 keys). */
export function makeDevicePki(dir: string): DevicePki {
  const root = makeCa(dir, 'root-ca');
  const inter = makeCa(dir, 'intermediate-ca', 'root-ca');
  const other = makeCa(dir, 'other-ca');
  // Same name as the root, another key: what a forger who knows the CA's name can make.
  const forged = makeCa(dir, 'forged-ca', undefined, 'root-ca');
  const interCrt = join(inter, 'ca.crt');
  const rootCrlEmpty = crl(root, join(dir, 'root-empty.crl.pem'));
  const devices = {
    valid: issue(root, 'device-valid'),
    expired: issue(root, 'device-expired', { start: -30, end: -1 }),
    future: issue(root, 'device-future', { start: 2, end: 30 }),
    wrongCa: issue(other, 'device-wrong-ca'),
    revoked: issue(root, 'device-revoked'),
    serverOnly: issue(root, 'device-server-only', { extensions: 'server_only' }),
    viaIntermediate: issue(inter, 'device-via-intermediate', { chain: [interCrt] }),
    forgedIssuer: issue(forged, 'device-forged'),
    // The CA's own certificate and key presented as a client certificate (no digitalSignature).
    rootCaItself: {
      cert: join(root, 'ca.crt'),
      key: join(root, 'ca.key'),
      chain: join(root, 'ca.crt'),
      serial: '',
    },
  };
  run(['ca', '-config', join(root, 'ca.cnf'), '-revoke', devices.revoked.cert], root);
  const rootCrl = crl(root, join(dir, 'root.crl.pem'));
  const rootCrlStale = crl(root, join(dir, 'root-stale.crl.pem'), { last: -3, next: -1 });
  const rootCrlDer = join(dir, 'root.crl.der');
  run(['crl', '-in', rootCrl, '-outform', 'DER', '-out', rootCrlDer], dir);
  const bundle = join(dir, 'root-and-intermediate.pem');
  writeFileSync(
    bundle,
    readFileSync(join(root, 'ca.crt'), 'utf8') + readFileSync(interCrt, 'utf8'),
  );
  return {
    dir,
    rootCa: join(root, 'ca.crt'),
    rootAndIntermediateCa: bundle,
    otherCa: join(other, 'ca.crt'),
    devices,
    rootCrl,
    rootCrlEmpty,
    rootCrlStale,
    rootCrlDer,
    intermediateCrl: crl(inter, join(dir, 'intermediate.crl.pem')),
    otherCrl: crl(other, join(dir, 'other.crl.pem')),
  };
}

/**
 * Revokes `cert` (a device or the intermediate CA) in the openssl database of the CA `caName`
 * ('root-ca', 'intermediate-ca') and writes that CA's new CRL to `out`.
 */
export function revokeAndPublish(
  pki: DevicePki,
  caName: string,
  cert: string,
  out: string,
): string {
  const caDir = join(pki.dir, caName);
  run(['ca', '-config', join(caDir, 'ca.cnf'), '-revoke', cert], caDir);
  return crl(caDir, out);
}

/**
 * Writes a CRL of the CA `caName` to `out` that lists, besides what its database revoked,
 * `count` other (retired) devices, each with a reason code extension, the way a device CA's list
 * grows. Made by `openssl ca -gencrl` from a copy of the database, so the CA's own stays as is.
 */
export function largeCrl(pki: DevicePki, caName: string, count: number, out: string): string {
  const caDir = join(pki.dir, caName);
  const index = join(pki.dir, `${caName}-large-${count}.index.txt`);
  const lines: string[] = [readFileSync(join(caDir, 'index.txt'), 'utf8').trimEnd()];
  for (let i = 0; i < count; i++) {
    const serial = (0x7100000000000000n + BigInt(i)).toString(16).toUpperCase();
    lines.push(
      `R\t301231000000Z\t251201000000Z,keyCompromise\t${serial}\tunknown\t/CN=retired-${i}`,
    );
  }
  writeFileSync(index, `${lines.filter((l) => l !== '').join('\n')}\n`);
  writeFileSync(`${index}.attr`, 'unique_subject = no\n');
  const cnf = join(pki.dir, `${caName}-large.cnf`);
  writeFileSync(
    cnf,
    readFileSync(join(caDir, 'ca.cnf'), 'utf8').replace(
      `database = ${caDir}/index.txt`,
      `database = ${index}`,
    ),
  );
  run(['ca', '-config', cnf, '-gencrl', '-out', out], caDir);
  return out;
}

/** Issues one more device certificate from the CA `caName`, with the subject CN `cn` (UTF-8). */
export function issueDevice(pki: DevicePki, caName: string, name: string, cn: string): DeviceCert {
  const inter = join(pki.dir, 'intermediate-ca', 'ca.crt');
  return issue(join(pki.dir, caName), name, {
    cn,
    ...(caName === 'intermediate-ca' ? { chain: [inter] } : {}),
  });
}
