import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildMfaReport } from '../../lambdas/core/mfa-report.ts';
import { reportToCsv, toCsv } from '../../lambdas/core/report-csv.ts';
import { ACTIVE_KEY, device, FIDO, inventoryOf, NOW, userFacts, VIRTUAL } from '../support/facts.ts';

const report = buildMfaReport(
  inventoryOf([
    userFacts('last,first', { consolePassword: true, accessKeys: [ACTIVE_KEY, ACTIVE_KEY] }),
    userFacts('=cmd', { accessKeys: [ACTIVE_KEY] }),
    userFacts('multi', { consolePassword: true, mfaDevices: [device(VIRTUAL), device(FIDO)] }),
    userFacts('svc-x', { tags: { 'awssec:mfa-exempt': 'vendor "A", see SEC-1' }, accessKeys: [ACTIVE_KEY] }),
  ]),
  { now: NOW, gracePeriodDays: 7, selection: { include: [], exclude: [] } },
);

describe('reportToCsv', () => {
  const csv = reportToCsv(report);

  it('ends every record with CRLF and starts with a header row', () => {
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')[0]).toBe(
      'username,arn,status,risk,mfa_devices,console_access,active_access_keys,last_activity,created_at,days_since_creation,grace_period_ends_at,reasons',
    );
  });

  it('quotes commas and doubles quotes, as RFC 4180 says', () => {
    expect(csv).toContain('"last,first"');
    expect(csv).toContain(
      '"exempted by tag awssec:mfa-exempt: vendor ""A"", see SEC-1; 1 active access key without MFA"',
    );
  });

  it('reads back to the same values with a standard parser', () => {
    const rows: Record<string, string>[] = parse(csv, { columns: true });
    expect(rows.map((r) => r.username)).toEqual(["'=cmd", 'last,first', 'svc-x', 'multi']);
    const last = rows.find((r) => r.username === 'last,first');
    expect(last).toMatchObject({
      status: 'non-compliant',
      risk: 'high',
      console_access: 'true',
      active_access_keys: '2',
      last_activity: '',
      reasons: 'console password without MFA; 2 active access keys without MFA',
    });
    expect(rows.find((r) => r.username === 'multi')?.mfa_devices).toBe(
      `virtual ${VIRTUAL}; security-key ${FIDO}`,
    );
  });

  it('keeps spreadsheets from running a user name as a formula', () => {
    expect(csv).toContain("\n'=cmd,");
  });
});

describe('toCsv', () => {
  it('quotes a field with a lone LF or CR, so a reader that ends rows at any line break keeps the rows', () => {
    const csv = toCsv(
      [
        { name: 'a', note: 'first\n=2+5' },
        { name: 'b', note: 'second\rthird' },
        { name: '+c', note: 'plain' },
      ],
      ['name', 'note'],
    );
    const rows: Record<string, string>[] = parse(csv, {
      columns: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
    });
    expect(rows).toEqual([
      { name: 'a', note: 'first\n=2+5' },
      { name: 'b', note: 'second\rthird' },
      { name: "'+c", note: 'plain' },
    ]);
  });
});
