import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../lambdas/aws/aws-call-error.ts';
import { createIamClient } from '../../lambdas/aws/aws-clients.ts';
import {
  CredentialReportFormatError,
  CredentialReportTimeoutError,
  fetchCredentialReport,
  parseCredentialReport,
} from '../../lambdas/aws/credential-report.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { accessDenied, awsErrorXml } from '../support/aws-proxy.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedUsers } from '../support/seed.ts';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** Rows as AWS writes them (from AWS's documentation and real reports). */
const AWS_REPORT = [
  HEADER,
  '<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,2026-11-01T08:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,TRUE,2026-11-20T09:00:00+00:00,2020-01-01T00:00:00+00:00,N/A,TRUE,TRUE,2020-01-02T00:00:00+00:00,2026-11-21T00:00:00+00:00,us-east-1,s3,FALSE,2021-05-05T00:00:00+00:00,no_information,N/A,N/A,FALSE,N/A,FALSE,N/A',
  'bob,arn:aws:iam::123456789012:user/bob,2024-06-01T12:30:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  '"last,first","arn:aws:iam::123456789012:user/last,first",2024-06-01T12:30:00+00:00,true,no_information,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'a,b,c,arn:aws:iam::123456789012:user/ops/a,b,c,2024-06-01T12:30:00+00:00,true,no_information,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n');

describe('parseCredentialReport', () => {
  const report = parseCredentialReport(AWS_REPORT, new Date('2026-11-22T00:00:00Z'));

  it('keeps the root row apart from the users', () => {
    expect([...report.users.keys()]).toEqual(['alice', 'bob', 'last,first', 'a,b,c']);
    expect(report.root).toMatchObject({
      user: '<root_account>',
      mfaActive: true,
      passwordEnabled: false,
      accessKeys: [],
    });
  });

  it('reads TRUE and true, N/A and no_information', () => {
    const alice = report.users.get('alice');
    expect(alice).toMatchObject({ passwordEnabled: true, mfaActive: true });
    expect(alice?.passwordLastUsed).toEqual(new Date('2026-11-20T09:00:00Z'));
    expect(alice?.accessKeys).toEqual([
      {
        active: true,
        lastRotated: new Date('2020-01-02T00:00:00Z'),
        lastUsed: new Date('2026-11-21T00:00:00Z'),
      },
      { active: false, lastRotated: new Date('2021-05-05T00:00:00Z'), lastUsed: undefined },
    ]);
    expect(report.users.get('bob')).toMatchObject({
      passwordEnabled: false,
      mfaActive: false,
      accessKeys: [],
    });
    expect(report.users.get('last,first')?.passwordLastUsed).toBeUndefined();
  });

  it('reads user names with commas, quoted or not', () => {
    expect(report.users.get('last,first')?.arn).toBe('arn:aws:iam::123456789012:user/last,first');
    expect(report.users.get('a,b,c')).toMatchObject({
      arn: 'arn:aws:iam::123456789012:user/ops/a,b,c',
      passwordEnabled: true,
      mfaActive: true,
    });
  });

  it('refuses a row it cannot put back together', () => {
    expect(() => parseCredentialReport(`${HEADER}\nx,y,z\n`, new Date())).toThrow(
      CredentialReportFormatError,
    );
    expect(() => parseCredentialReport(`${HEADER}\nx,1,2,3,${'N/A,'.repeat(21)}\n`, new Date())).toThrow(
      'a row of 26 fields under a header of 22',
    );
  });

  it('refuses a report without the columns it needs', () => {
    expect(() => parseCredentialReport('user,arn\nalice,arn:x\n', new Date())).toThrow(
      CredentialReportFormatError,
    );
    expect(() => parseCredentialReport('user,arn\nalice,arn:x\n', new Date())).toThrow(
      'no column user_creation_time',
    );
  });

  it('refuses a value that is neither true nor false', () => {
    const broken = AWS_REPORT.replace('TRUE,2026-11-20', 'maybe,2026-11-20');
    expect(() => parseCredentialReport(broken, new Date())).toThrow(
      "'maybe' where true or false belongs (alice)",
    );
  });
});

describe('fetchCredentialReport', () => {
  const emulator = useMoto(async (moto) => {
    await seedUsers(testClients(moto.endpoint).iam, moto, [{ name: 'alice', console: true }]);
  });

  const generated = (state: string) => ({
    status: 200,
    body: `<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>${state}</State></GenerateCredentialReportResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GenerateCredentialReportResponse>`,
  });
  const fast = { initialDelayMs: 5, maxDelayMs: 20 };

  it('polls through STARTED, INPROGRESS and ReportInProgress, then reads the report', async () => {
    let generate = 0;
    let get = 0;
    emulator.proxy.setRule(({ action }) => {
      if (action === 'GenerateCredentialReport') {
        generate += 1;
        if (generate === 1) return { respond: generated('STARTED') };
        if (generate === 2) return { respond: generated('INPROGRESS') };
        return undefined; // moto: STARTED, then COMPLETE
      }
      if (action === 'GetCredentialReport' && ++get === 1) {
        return { respond: { status: 404, body: awsErrorXml('ReportInProgress', 'Report is in progress') } };
      }
      return undefined;
    });
    const states: string[] = [];
    const report = await fetchCredentialReport(testClients(emulator.proxy.endpoint).iam, {
      ...fast,
      onState: (s) => states.push(s),
    });
    expect([...report.users.keys()]).toEqual(['alice']);
    expect(states).toEqual(['STARTED', 'INPROGRESS', 'STARTED', 'COMPLETE', 'COMPLETE']);
    expect(emulator.proxy.seen.get('GetCredentialReport')).toBe(2);
  });

  it('generates a new report when the last one expired', async () => {
    let get = 0;
    emulator.proxy.setRule(({ action }) =>
      action === 'GetCredentialReport' && ++get === 1
        ? { respond: { status: 410, body: awsErrorXml('ReportExpired', 'Report expired') } }
        : undefined,
    );
    const report = await fetchCredentialReport(testClients(emulator.proxy.endpoint).iam, fast);
    expect(report.users.has('alice')).toBe(true);
    expect(emulator.proxy.seen.get('GetCredentialReport')).toBe(2);
    expect(emulator.proxy.seen.get('GenerateCredentialReport')).toBe(3); // STARTED, COMPLETE, then again after expiry
  });

  it('waits out LimitExceeded when it outlasts the SDK’s own retries', async () => {
    let generate = 0;
    emulator.proxy.setRule(({ action }) =>
      action === 'GenerateCredentialReport' && ++generate <= 2
        ? {
            respond: {
              status: 409,
              body: awsErrorXml('LimitExceeded', 'Rate of report generation exceeded'),
            },
          }
        : undefined,
    );
    // One attempt per call: the SDK gives up at once and the loop must wait and ask again.
    const iam = createIamClient({ ...testClientSettings(emulator.proxy.endpoint), maxAttempts: 1 });
    const report = await fetchCredentialReport(iam, fast);
    expect(report.users.has('alice')).toBe(true);
    expect(generate).toBeGreaterThan(2);
  });

  it('gives up with a clear error when the report stays in progress', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GenerateCredentialReport' ? { respond: generated('INPROGRESS') } : undefined,
    );
    const started = Date.now();
    const error = await fetchCredentialReport(testClients(emulator.proxy.endpoint).iam, {
      ...fast,
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialReportTimeoutError);
    expect((error as Error).message).toBe(
      'the credential report was still being generated after 0 s: try again in a few minutes, or use --source live',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(emulator.proxy.seen.get('GetCredentialReport') ?? 0).toBe(0);
  });

  it('names the permission when AWS refuses the report', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GetCredentialReport' ? { respond: accessDenied('GetCredentialReport') } : undefined,
    );
    const error = await fetchCredentialReport(testClients(emulator.proxy.endpoint).iam, fast).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ kind: 'access-denied', action: 'iam:GetCredentialReport' });
    expect((error as Error).message).toContain('needs the permission iam:GetCredentialReport');
  });
});
