/**
 * Generators for the hostile-file suite of issue 10 §1: each returns the bytes of one file an
 * outside review used (or could use) to stall or kill the server through metadata extraction.
 * Built in memory from a few lines each, so no binary fixtures are committed. Kept as
 * JavaScript so bench/hostile-ingest.mjs runs the very same files as the tests.
 */
import { crc32, deflateSync } from 'node:zlib';

/** A zip archive whose entries are all stored (method 0): no ratio check can fire. */
export function storedZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const body = Buffer.from(data);
    const crc = crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * A binary plist from raw object encodings. `refSize` bytes per reference, 4-byte offsets;
 * `numObjects` overrides the declared object count (hostile trailers).
 */
export function rawBplist(objects, { refSize = 1, top = 0, numObjects } = {}) {
  const parts = [Buffer.from('bplist00')];
  const offsets = [];
  let at = 8;
  for (const o of objects) {
    offsets.push(at);
    const b = Buffer.from(o);
    parts.push(b);
    at += b.length;
  }
  const table = Buffer.alloc(offsets.length * 4);
  for (const [i, o] of offsets.entries()) table.writeUInt32BE(o, i * 4);
  const trailer = Buffer.alloc(32);
  trailer.writeUInt8(4, 6);
  trailer.writeUInt8(refSize, 7);
  trailer.writeBigUInt64BE(BigInt(numObjects ?? objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(top), 16);
  trailer.writeBigUInt64BE(BigInt(at), 24);
  return Buffer.concat([...parts, table, trailer]);
}

/** Marker + length for a sized bplist object (type nibble 0x5 string, 0xa array, ...). */
function sized(type, length) {
  if (length < 15) return [(type << 4) | length];
  const len = Buffer.alloc(5);
  len.writeUInt8(0x12, 0); // int, 4 bytes
  len.writeUInt32BE(length, 1);
  return [(type << 4) | 0x0f, ...len];
}

function asciiObject(s) {
  return Buffer.concat([Buffer.from(sized(0x5, s.length)), Buffer.from(s, 'latin1')]);
}

/** An .ipa holding `infoPlist` (and optionally a provisioning profile) for app "Hostile". */
export function ipaWith(infoPlist, profile) {
  const entries = [{ name: 'Payload/Hostile.app/Info.plist', data: infoPlist }];
  if (profile)
    entries.push({ name: 'Payload/Hostile.app/embedded.mobileprovision', data: profile });
  return storedZip(entries);
}

/**
 * The review's file: a ~4 MiB stored .ipa whose binary Info.plist holds one large string
 * referenced `refs` times from one array. Decoding each reference anew builds gigabytes.
 */
export function sharedStringIpa(opts = {}) {
  return ipaWith(sharedStringBplist(opts));
}

/** The binary Info.plist of {@link sharedStringIpa}. */
export function sharedStringBplist({ stringBytes = 3_700_000, refs = 200_000 } = {}) {
  const objects = [
    // 0: { CFBundleIdentifier: 2, Padding: 4 } — keys 1 and 3
    [0xd2, 1, 3, 2, 4],
    asciiObject('CFBundleIdentifier'),
    asciiObject('com.example.hostile'),
    asciiObject('Padding'),
    // 4: array of `refs` references to object 5
    Buffer.concat([Buffer.from(sized(0xa, refs)), Buffer.alloc(refs, 5)]),
    asciiObject('A'.repeat(stringBytes)),
  ];
  return rawBplist(objects);
}

/**
 * The attacker's metadata file: one `chars`-long string referenced by the five keys a catalog
 * record shows (id, both versions, display name, minimum OS). Stored uncapped it made every list
 * and manifest megabytes long. With `loneSurrogate`, the display name is instead UTF-16 holding
 * a high surrogate with no low one ('A\uD800B'), which strict JSON parsers refuse.
 */
export function longStringsIpa(chars = 400_000, { loneSurrogate = false } = {}) {
  const keys = [
    'CFBundleIdentifier',
    'CFBundleShortVersionString',
    'CFBundleVersion',
    'CFBundleDisplayName',
    'MinimumOSVersion',
  ];
  const n = keys.length;
  const lone = Buffer.alloc(6);
  lone.writeUInt16BE(0x0041, 0);
  lone.writeUInt16BE(0xd800, 2);
  lone.writeUInt16BE(0x0042, 4);
  // 0: dict; keys are objects 1..n, the long string n+1, the lone-surrogate string n+2.
  const values = keys.map((k) => (loneSurrogate && k === 'CFBundleDisplayName' ? n + 2 : n + 1));
  const objects = [
    [0xd0 | n, ...keys.map((_, i) => i + 1), ...values],
    ...keys.map(asciiObject),
    asciiObject('x'.repeat(chars)),
    Buffer.concat([Buffer.from(sized(0x6, 3)), lone]),
  ];
  return ipaWith(rawBplist(objects));
}

/** An .ipa whose binary Info.plist contains a reference cycle (an array holding itself). */
export function cyclicBplistIpa() {
  const objects = [[0xd1, 1, 2], asciiObject('Loop'), [0xa1, 2]];
  return ipaWith(rawBplist(objects));
}

/** An .ipa whose binary Info.plist declares 2^40 objects in its trailer. */
export function hugeObjectCountIpa() {
  return ipaWith(rawBplist([[0xd0]], { numObjects: 2 ** 40 }));
}

/** A well-formed XML plist nested `depth` arrays deep (3 MB at the default). */
export function deepXmlPlist(depth = 200_000) {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example.deep</string><key>Deep</key>${'<array>'.repeat(depth)}${'</array>'.repeat(depth)}</dict></plist>\n`,
  );
}

/** An .ipa whose XML Info.plist is nested 200 000 arrays deep. */
export function deepXmlPlistIpa() {
  return ipaWith(deepXmlPlist());
}

/**
 * An .ipa with a fine Info.plist but a provisioning profile whose embedded plist is nested
 * deeply (the profile is a CMS blob; the reader looks for the XML inside it).
 */
export function hostileProfileIpa() {
  const info = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example.profile</string></dict></plist>\n',
  );
  const cmsLikePrefix = Buffer.from([0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7]);
  return ipaWith(info, Buffer.concat([cmsLikePrefix, deepXmlPlist(150_000), Buffer.alloc(64)]));
}

/** An .epub whose OPF package document is nested 300 000 elements deep. */
export function deepOpfEpub(depth = 300_000) {
  const container =
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>';
  const opf = `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</metadata></package>`;
  return storedZip([
    { name: 'mimetype', data: Buffer.from('application/epub+zip') },
    { name: 'META-INF/container.xml', data: Buffer.from(container) },
    { name: 'OEBPS/content.opf', data: Buffer.from(opf) },
  ]);
}

/**
 * A flat .pkg (xar) whose table of contents claims 16 MiB but inflates further: 64 MiB of
 * zeros squeezed into ~64 KiB.
 */
export function tocBombPkg() {
  const declared = 16 * 1024 * 1024;
  const toc = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 1 });
  const header = Buffer.alloc(28);
  header.writeUInt32BE(0x78617221, 0); // 'xar!'
  header.writeUInt16BE(28, 4);
  header.writeUInt16BE(1, 6);
  header.writeBigUInt64BE(BigInt(toc.length), 8);
  header.writeBigUInt64BE(BigInt(declared), 16);
  header.writeUInt32BE(1, 24); // sha1 checksum
  return Buffer.concat([header, toc, Buffer.alloc(20)]);
}

/**
 * A PDF of deeply nested dictionaries and a huge cross-reference section: a 1 MiB head of
 * `<<` nesting and a 1 MiB tail of xref rows interleaved with `/Count` keys that never close.
 */
export function nestedPdf() {
  const head = Buffer.from(
    `%PDF-1.7\n1 0 obj\n${'<< /Type /Pages /Kids [ '.repeat(40_000)}`.slice(0, 1024 * 1024),
    'latin1',
  );
  const middle = Buffer.alloc(512 * 1024, 0x20);
  const rows = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const row = `${String(i).padStart(10, '0')} 00000 n /Count ${i % 10}\n`;
    rows.push(row);
    size += row.length;
  }
  const tail = Buffer.from(`xref\n0 ${rows.length}\n${rows.join('')}%%EOF\n`, 'latin1');
  return Buffer.concat([head, middle, tail]);
}

/** Every hostile file: name (with the extension that picks the reader), bytes, expected code. */
export function hostileSuite() {
  return [
    { name: 'shared-string.ipa', make: sharedStringIpa, code: 'METADATA_BUDGET_EXCEEDED' },
    { name: 'deep-xml-plist.ipa', make: deepXmlPlistIpa, code: 'PLIST_TOO_COMPLEX' },
    { name: 'cyclic-bplist.ipa', make: cyclicBplistIpa, code: 'PLIST_INVALID' },
    { name: 'huge-object-count.ipa', make: hugeObjectCountIpa, code: 'PLIST_TOO_COMPLEX' },
    { name: 'hostile-profile.ipa', make: hostileProfileIpa, code: 'PLIST_TOO_COMPLEX' },
    { name: 'deep-opf.epub', make: deepOpfEpub, code: 'XML_INVALID' },
    { name: 'toc-bomb.pkg', make: tocBombPkg, code: 'XAR_TOO_LARGE' },
    { name: 'nested.pdf', make: nestedPdf, code: 'METADATA_BUDGET_EXCEEDED' },
  ];
}
