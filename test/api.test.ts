import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.ts';
import { generateMfaReport, InvalidOptionError } from '../index.ts';
import { testClientSettings, testClients } from './support/aws.ts';
import { captureIo } from './support/cli.ts';
import { useMoto } from './support/moto-harness.ts';
import { seedSampleAccount } from './support/sample-account.ts';

// The sample account, seeded before each test (these tests only read it).
const emulator = useMoto((moto) => seedSampleAccount(testClients(moto.endpoint).iam, moto).then(() => {}));

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

  it.each([
    [{ gracePeriodDays: -1 }, 'gracePeriodDays must be a whole number of days, 0 or more (got -1)'],
    [{ gracePeriodDays: 1.5 }, 'gracePeriodDays must be a whole number of days, 0 or more (got 1.5)'],
    [{ source: 'cache' as 'bulk' }, "source must be 'bulk', 'live' or 'auto' (got 'cache')"],
    [
      { excludeUsers: 'bob smith' },
      "excludeUsers: 'bob smith' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)",
    ],
    [{ concurrency: 0 }, 'concurrency must be a whole number above 0 (got 0)'],
  ])('refuses %j before any AWS call', async (options, message) => {
    emulator.proxy.seen.clear();
    const error = await generateMfaReport({
      ...testClientSettings(emulator.proxy.endpoint),
      ...options,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe(message);
    expect(emulator.proxy.seen.size).toBe(0);
  });
});
