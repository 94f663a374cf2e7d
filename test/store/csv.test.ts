/** CSV export: RFC 4180 quoting and spreadsheet formula neutralisation. */
import { describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, auditCsvChunks, auditToCsv, csvCell } from '../../src/store/csv.js';
import type { AuditEventRecord } from '../../src/store/types.js';

const event = (over: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  id: 7,
  time: Date.UTC(2026, 0, 2, 3, 4, 5),
  method: 'GET',
  path: '/apps/App.ipa',
  status: 200,
  outcome: 'OK',
  bytesSent: 10,
  clientAddress: '127.0.0.1',
  durationMs: 1.5,
  via: 'file',
  configurationId: null,
  count: 1,
  aggregated: false,
  lastTime: Date.UTC(2026, 0, 2, 3, 4, 5),
  ...over,
});

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=cmd', "'\t=cmd"],
    ['\r=cmd', '"\'\r=cmd"'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('leaves numbers alone (even negative) and renders null/undefined as empty', () => {
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(200)).toBe('200');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });
});

describe('auditToCsv', () => {
  it('writes a header and CRLF-terminated rows with ISO times and empty optional cells', () => {
    const csv = auditToCsv([
      event(),
      event({ id: 8, path: '/a, "b"/=c.pkg', userAgent: '=cmd|calc', configurationId: 'cfg' }),
      event({
        id: 9,
        status: 401,
        outcome: 'TOKEN_MISSING',
        count: 1234,
        aggregated: true,
        lastTime: Date.UTC(2026, 0, 2, 3, 4, 59),
      }),
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(
      '7,2026-01-02T03:04:05.000Z,GET,/apps/App.ipa,200,OK,10,127.0.0.1,,,,,1.5,,file,1,false,2026-01-02T03:04:05.000Z,,,',
    );
    expect(lines[2]).toBe(
      '8,2026-01-02T03:04:05.000Z,GET,"/a, ""b""/=c.pkg",200,OK,10,127.0.0.1,,,,cfg,1.5,\'=cmd|calc,file,1,false,2026-01-02T03:04:05.000Z,,,',
    );
    // An aggregated row: how many anonymous refusals it stands for and until when.
    expect(lines[3]).toBe(
      '9,2026-01-02T03:04:05.000Z,GET,/apps/App.ipa,401,TOKEN_MISSING,10,127.0.0.1,,,,,1.5,,file,1234,true,2026-01-02T03:04:59.000Z,,,',
    );
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
  });

  it('ends a row with the device certificate, quoted and formula-safe (its subject is CA-chosen text)', () => {
    const [, row] = auditToCsv([
      event({
        clientCertSubject: '=HYPERLINK("x"), CN=iPad',
        clientCertSerial: '40C1B5B49C067343',
        clientCertIssuer: 'CN=MDM CA, O=Example',
      }),
    ]).split('\r\n');
    expect(
      row!.endsWith(',"\'=HYPERLINK(""x""), CN=iPad",40C1B5B49C067343,"CN=MDM CA, O=Example"'),
    ).toBe(true);
  });

  it('streams the same CSV in chunks of rows, the header first', async () => {
    const items = Array.from({ length: 250 }, (_, i) => event({ id: i, path: `/=${i},x` }));
    const chunks: string[] = [];
    for await (const chunk of auditCsvChunks(items, 100)) chunks.push(chunk);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
    expect(chunks.join('')).toBe(auditToCsv(items));
  });

  it('returns just the header for no items', () => {
    expect(auditToCsv([])).toBe(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
  });
});
