/** Reports and enforcement under throttling, 5xx, one user refused and one deleted mid-run (the account and the faults: fault-account.ts). */
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.ts';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { enforceMfaCompliance } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { generateMfaReport } from '../../lambdas/use-cases/generate-mfa-report.ts';
import { captureIo } from '../support/cli.ts';
import type { FaultConfig } from '../support/fault-rule.ts';
import { duplicateWrites, useFaultAccount, verdicts, WRITES } from './fault-account.ts';

// The SDK backs off exponentially from throttling (AWS's advice), so a stormy run takes tens of seconds.
vi.setConfig({ testTimeout: 180_000 });

const { emulator, withFaults, settings } = useFaultAccount();

describe('under 30% throttling and 5% server errors', () => {
  const storm: FaultConfig = { throttleShare: 0.3, serverErrorShare: 0.05, seed: 3 };

  it.each(['bulk', 'live'] as const)(
    'the %s report accounts for every user, as without faults',
    async (source) => {
      const clean = await generateMfaReport({ ...settings(), source, excludeUsers: 'svc-*' });
      const stats = withFaults(storm);
      const stormy = await generateMfaReport({ ...settings(), source, excludeUsers: 'svc-*' });
      expect(stormy.summary.total).toBe(31);
      expect(verdicts(stormy)).toEqual(verdicts(clean));
      expect([...stats.throttled.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(stats.serverErrors).toBeGreaterThan(0);
    },
  );

  it('enforce --apply acts on every target exactly once', async () => {
    withFaults(storm);
    const run = await enforceMfaCompliance({
      ...settings(),
      excludeUsers: 'svc-*',
      dryRun: false,
      disableConsoleAccess: true,
      maxUsers: 100,
      maxPercent: 100,
    });
    const targets = run.users.filter((u) => u.outcome !== 'protected');
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.every((u) => u.outcome === 'enforced')).toBe(true);
    expect(duplicateWrites(emulator.proxy.forwarded)).toEqual([]);
    // Everything planned reached moto once: one tag write and one attach per user, one disable per key.
    const forwardedWrites = emulator.proxy.forwarded.filter((r) => WRITES.has(r.action)).length;
    const planned =
      targets.flatMap((u) => u.actions).length + targets.length /* TagUser */ + 1; /* CreatePolicy */
    expect(forwardedWrites).toBe(planned);
  });
});

describe('one user’s failure is reported and the run goes on', () => {
  it('AccessDenied on one user: the report names it and exits 1; enforce fails that user only', async () => {
    withFaults({ accessDeniedUsers: ['bob.wilson'] });
    const captured = captureIo();
    const code = await runCli(['iam-mfa', 'report', '-o', 'json', '--source', 'live'], {
      io: captured.io,
      aws: settings(),
    });
    expect(code).toBe(1);
    const report: MfaReport = JSON.parse(captured.stdout());
    expect(report.summary.total).toBe(30);
    expect(report.inventory.users_unreadable.map((u) => u.username)).toEqual(['bob.wilson']);
    expect(captured.stderr()).toBe('awssec: 1 user was not assessed (access denied): bob.wilson\n');

    // In bulk mode bob.wilson comes from the credential report; the live re-check is refused.
    const run = await enforceMfaCompliance({
      ...settings(),
      excludeUsers: 'svc-*',
      dryRun: false,
      maxUsers: 100,
      maxPercent: 100,
    });
    const bob = run.users.find((u) => u.username === 'bob.wilson');
    expect(bob?.outcome).toBe('failed');
    expect(bob?.justification).toContain('access denied to iam:');
    expect(run.users.filter((u) => u.outcome !== 'enforced').map((u) => u.username)).toEqual(['bob.wilson']);
  });

  it('a user deleted mid-run is reported, not fatal', async () => {
    withFaults({ deletedUsers: [{ userName: 'old.account', afterCalls: 0 }] });
    const report = await generateMfaReport({ ...settings(), source: 'live' });
    expect(report.inventory.users_deleted_during_run).toEqual(['old.account']);
    const run = await enforceMfaCompliance({ ...settings(), dryRun: false, maxUsers: 100, maxPercent: 100 });
    expect(run.users.find((u) => u.username === 'old.account')?.outcome).toBe('deleted');
  });
});
