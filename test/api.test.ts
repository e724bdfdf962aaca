import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.ts';
import {
  enforceMfaCompliance,
  generateMfaReport,
  generateOrgMfaReport,
  InvalidOptionError,
} from '../index.ts';
import { testClientSettings, testClients } from './support/aws.ts';
import { captureIo } from './support/cli.ts';
import { useMoto } from './support/moto-harness.ts';
import { seedSampleAccount } from './support/sample-account.ts';

// The sample account, seeded before each test (these tests only read it).
const emulator = useMoto((moto) => seedSampleAccount(testClients(moto.endpoint).iam, moto).then(() => {}), {
  reseedOnlyAfterChanges: true,
});

/** The function throws InvalidOptionError with the message, and nothing reached AWS. */
async function expectRefusal(
  run: (options: Record<string, unknown>) => Promise<unknown>,
  options: Record<string, unknown>,
  message: string,
): Promise<void> {
  emulator.proxy.seen.clear();
  const error = await run({ ...testClientSettings(emulator.proxy.endpoint), ...options }).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect((error as Error).message).toContain(message);
  expect(emulator.proxy.seen.size).toBe(0);
}

/** Options both functions refuse, and the start of each message. */
const REPORT_REFUSALS: [Record<string, unknown>, string][] = [
  [{ gracePeriodDays: -1 }, 'gracePeriodDays must be a whole number of days from 0 to 3650 (got -1)'],
  [{ gracePeriodDays: 1.5 }, 'gracePeriodDays must be a whole number of days from 0 to 3650 (got 1.5)'],
  [
    { gracePeriodDays: 999999999 },
    'gracePeriodDays must be a whole number of days from 0 to 3650 (got 999999999)',
  ],
  [
    { gracePeriodDays: Number.NaN },
    'gracePeriodDays must be a whole number of days from 0 to 3650 (got NaN)',
  ],
  [{ source: 'cache' }, "source must be 'bulk', 'live' or 'auto' (got 'cache')"],
  [
    { excludeUsers: 'bob smith' },
    "excludeUsers: 'bob smith' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)",
  ],
  [{ concurrency: 0 }, 'concurrency must be a whole number of simultaneous calls from 1 to 64 (got 0)'],
  [{ concurrency: 65 }, 'concurrency must be a whole number of simultaneous calls from 1 to 64 (got 65)'],
  [
    { credentialReportTimeoutMs: 999 },
    'credentialReportTimeoutMs must be a whole number of milliseconds from 1000 to 3600000 (got 999)',
  ],
  [
    { includeUsers: '' },
    "includeUsers: '' names nobody: give one or more names or patterns, or leave it out",
  ],
  [{ includeUsers: [] }, 'includeUsers: [] names nobody'],
  [{ includeUsers: ['bob', ' '] }, 'includeUsers: ["bob"," "] has an empty item (item 2)'],
  [{ excludeUsers: 'svc-*,' }, "excludeUsers: 'svc-*,' has an empty item (item 2)"],
  [{ excludeUsers: [] }, 'excludeUsers: [] names nobody'],
  [{ excludeUsers: 42 }, 'excludeUsers must be a comma-separated string or a list of names'],
  [{ ignoreExemptions: 'yes' }, 'ignoreExemptions must be true or false (got yes)'],
  [
    { ignoreExemptions: true, excludeUsers: 'svc-*' },
    'ignoreExemptions and excludeUsers contradict each other: give excludeUsers to exempt users, or ignoreExemptions to exempt nobody',
  ],
];

describe('generateMfaReport', () => {
  it('returns the object the JSON output prints', async () => {
    const now = new Date();
    const report = await generateMfaReport({
      ...testClientSettings(emulator.moto.endpoint),
      excludeUsers: 'svc-*',
      now,
    });
    const captured = captureIo();
    const code = await runCli(['iam-mfa', 'report', '-o', 'json', '--exclude-users', 'svc-*'], {
      io: captured.io,
      aws: testClientSettings(emulator.moto.endpoint),
      now: () => now,
    });
    expect(code).toBe(0);
    expect(JSON.parse(captured.stdout())).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report.summary).toMatchObject({ total: 7, compliant: 2, 'non-compliant': 3, exempted: 1 });
  });

  it('takes lists as well as comma-separated strings', async () => {
    const report = await generateMfaReport({
      ...testClientSettings(emulator.moto.endpoint),
      includeUsers: ['bob.wilson', 'new.*'],
      gracePeriodDays: 0,
    });
    expect(report.users.map((u) => [u.username, u.status])).toEqual([
      ['bob.wilson', 'non-compliant'],
      ['new.user', 'non-compliant'],
    ]);
  });

  it('overrides every exemption with ignoreExemptions, and says so', async () => {
    const report = await generateMfaReport({
      ...testClientSettings(emulator.moto.endpoint),
      includeUsers: 'svc-*',
      ignoreExemptions: true,
    });
    expect(report.settings.ignore_exemptions).toBe(true);
    expect(report.users.map((u) => [u.username, u.status, u.exemption_overridden])).toEqual([
      ['svc-backup', 'non-compliant', null], // no exclude pattern, no tag: nothing to override
    ]);
  });

  it.each(REPORT_REFUSALS)('refuses %j before any AWS call', (options, message) =>
    expectRefusal(generateMfaReport, options, message),
  );
});

describe('enforceMfaCompliance', () => {
  it.each([
    ...REPORT_REFUSALS,
    [{ breakGlass: '' }, "breakGlass: '' names nobody"],
    [{ breakGlass: [] }, 'breakGlass: [] names nobody'],
    [{ breakGlass: 'breakglass-1,' }, "breakGlass: 'breakglass-1,' has an empty item (item 2)"],
    [{ breakGlass: ['breakglass-1', ''] }, 'breakGlass: ["breakglass-1",""] has an empty item (item 2)'],
    [{ maxUsers: 0 }, 'maxUsers must be a whole number of users from 1 to 5000 (got 0)'],
    [{ maxUsers: 5001 }, 'maxUsers must be a whole number of users from 1 to 5000 (got 5001)'],
    [{ maxUsers: 2.5 }, 'maxUsers must be a whole number of users from 1 to 5000 (got 2.5)'],
    [
      { maxPercent: 0 },
      'maxPercent must be a percentage above 0 and at most 100 (plain decimal, e.g. 12.5) (got 0)',
    ],
    [{ maxPercent: 100.5 }, 'maxPercent must be a percentage above 0 and at most 100'],
    [{ maxPercent: Number.POSITIVE_INFINITY }, 'maxPercent must be a percentage above 0 and at most 100'],
  ] as [Record<string, unknown>, string][])('refuses %j before any AWS call', (options, message) =>
    expectRefusal(enforceMfaCompliance, options, message),
  );
});

describe('generateOrgMfaReport', () => {
  it.each([
    ...REPORT_REFUSALS.map(([options, message]) => [{ ...options, organization: {} }, message]),
    [{ organization: { roleName: 'a/b' } }, "organization.roleName: 'a/b' is not an IAM role name"],
    [{ organization: { accounts: '' } }, "organization.accounts: '' names nobody"],
    [
      { organization: { accounts: ['1234'] } },
      "organization.accounts: '1234' is not a 12-digit AWS account id",
    ],
    [
      { organization: { concurrency: 0 } },
      'organization.concurrency must be a whole number of accounts at once from 1 to 64 (got 0)',
    ],
  ] as [Record<string, unknown>, string][])('refuses %j before any AWS call', (options, message) =>
    expectRefusal((o) => generateOrgMfaReport(o as never), options, message),
  );
});
