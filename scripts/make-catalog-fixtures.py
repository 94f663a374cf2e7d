#!/usr/bin/env python3
"""Builds the catalog test fixtures (apps, books, hostile archives) into a directory.

Why this exists: the catalog readers must be tested against files made by an independent
toolchain — Python's zipfile/plistlib and OpenSSL's CMS signer — not by our own code.
Usage: python3 scripts/make-catalog-fixtures.py OUTDIR   (run by test/catalog/fixtures.ts)
"""
import datetime
import os
import plistlib
import struct
import subprocess
import sys
import tempfile
import zipfile

OUT = sys.argv[1]
BASIC_ONLY = '--basic' in sys.argv[2:]  # skip the slow hostile archives
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def info_plist(**extra):
    d = {
        'CFBundleIdentifier': 'com.example.fieldkit',
        'CFBundleShortVersionString': '2.4.1',
        'CFBundleVersion': '241',
        'CFBundleDisplayName': 'Field Kit',
        'CFBundleName': 'FieldKit',
        'MinimumOSVersion': '16.0',
        'UIDeviceFamily': [1, 2],
        'CFBundleSupportedPlatforms': ['iPhoneOS'],
    }
    d.update(extra)
    return d


def mobileprovision(expires):
    """A real CMS SignedData (openssl cms -sign -nodetach) wrapping an XML plist."""
    profile = {
        'Name': 'Field Kit In-House',
        'TeamName': 'Example Corp',
        'ExpirationDate': expires,
        'ProvisionsAllDevices': True,
    }
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = os.path.join(tmp, 'k.pem'), os.path.join(tmp, 'c.pem')
        body, der = os.path.join(tmp, 'p.plist'), os.path.join(tmp, 'p.der')
        with open(body, 'wb') as f:
            f.write(plistlib.dumps(profile, fmt=plistlib.FMT_XML))
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                        '-out', cert, '-days', '2', '-subj', '/CN=fixture'], check=True, capture_output=True)
        subprocess.run(['openssl', 'cms', '-sign', '-nodetach', '-binary', '-outform', 'DER', '-in', body,
                        '-signer', cert, '-inkey', key, '-out', der], check=True, capture_output=True)
        with open(der, 'rb') as f:
            return f.read()


def ipa(name, plist_bytes, profile=None, extra=()):
    with zipfile.ZipFile(path(name), 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('Payload/', b'')
        z.writestr('Payload/FieldKit.app/Info.plist', plist_bytes)
        z.writestr('Payload/FieldKit.app/FieldKit', os.urandom(2048))
        if profile is not None:
            z.writestr('Payload/FieldKit.app/embedded.mobileprovision', profile)
        # An extension's Info.plist must not be mistaken for the app's.
        z.writestr('Payload/FieldKit.app/PlugIns/Widget.appex/Info.plist',
                   plistlib.dumps({'CFBundleIdentifier': 'com.example.widget'}, fmt=plistlib.FMT_BINARY))
        for n, data in extra:
            z.writestr(n, data)


now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
ipa('app-binary.ipa', plistlib.dumps(info_plist(), fmt=plistlib.FMT_BINARY),
    mobileprovision(now + datetime.timedelta(days=200)))
ipa('app-xml.ipa', plistlib.dumps(info_plist(CFBundleDisplayName=''), fmt=plistlib.FMT_XML),
    mobileprovision(now + datetime.timedelta(days=10)))
ipa('app-expired.ipa', plistlib.dumps(info_plist(), fmt=plistlib.FMT_BINARY),
    mobileprovision(now - datetime.timedelta(days=1)))

def hostile():
    """Zip bomb, 100 MB entry, 100001 entries, entity expansion, truncation, lying sizes."""
    with zipfile.ZipFile(path('bomb.ipa'), 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('Payload/Bomb.app/Info.plist', b'\0' * (3 * 1024 * 1024))  # ratio ~1000:1
    with zipfile.ZipFile(path('huge-plist.ipa'), 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('Payload/Huge.app/Info.plist', b'\0' * (100 * 1024 * 1024))
    with zipfile.ZipFile(path('many-entries.ipa'), 'w', zipfile.ZIP_STORED) as z:
        for i in range(100_001):
            z.writestr(zipfile.ZipInfo('e/%d' % i), b'')
    laughs = (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><plist version="1.0"><dict>'
              b'<key>CFBundleIdentifier</key><string>&b;</string></dict></plist>')
    ipa('entities.ipa', laughs)
    with open(path('app-binary.ipa'), 'rb') as f:
        whole = f.read()
    with open(path('truncated.ipa'), 'wb') as f:
        f.write(whole[: len(whole) // 2])

    # Declares 1000 bytes but inflates to 2 MiB: the reader must stop at the declared size.
    with zipfile.ZipFile(path('lying-size.ipa'), 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('Payload/Lie.app/Info.plist', b'A' * (2 * 1024 * 1024))
    with open(path('lying-size.ipa'), 'rb') as f:
        data = bytearray(f.read())
    for sig, off in ((b'PK\x01\x02', 24), (b'PK\x03\x04', 22)):
        at = data.find(sig)
        struct.pack_into('<I', data, at + off, 1000)
    with open(path('lying-size.ipa'), 'wb') as f:
        f.write(data)



if not BASIC_ONLY:
    hostile()

# Books.
container = (b'<?xml version="1.0"?><container version="1.0" '
             b'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
             b'<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             b'</rootfiles></container>')
opf = '''<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" unique-identifier="bookid" version="3.0">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="isbn">urn:isbn:9780000000000</dc:identifier>
    <dc:identifier id="bookid">urn:uuid:6f1c2c1e-2c1e-4a7b-9a77-000000000001</dc:identifier>
    <dc:title>Safety &amp; Procedures — Édition 2</dc:title>
    <dc:creator>Ops Team</dc:creator>
    <dc:language>fr</dc:language>
  </metadata>
  <manifest/><spine/>
</package>'''.encode('utf-8')
with zipfile.ZipFile(path('book.epub'), 'w') as z:
    z.writestr(zipfile.ZipInfo('mimetype'), b'application/epub+zip')
    z.writestr('META-INF/container.xml', container, zipfile.ZIP_DEFLATED)
    z.writestr('OEBPS/content.opf', opf, zipfile.ZIP_DEFLATED)

pdf = b'''%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R >> endobj
4 0 obj << /Type /Page /Parent 2 0 R >> endobj
5 0 obj << /Type /Page /Parent 2 0 R >> endobj
6 0 obj << /Title (Field Guide \\(2nd ed.\\)) /Author (Ops) >> endobj
trailer << /Root 1 0 R /Info 6 0 R >>
%%EOF
'''
with open(path('guide.pdf'), 'wb') as f:
    f.write(pdf)
print('ok')
