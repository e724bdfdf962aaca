import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.ts';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { createNightlyHandler } from '../../lambdas/nightly/nightly.ts';
import { enforceMfaCompliance } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { generateMfaReport } from '../../lambdas/use-cases/generate-mfa-report.ts';
import { allTestClients, quickRetries, testClientSettings } from '../support/aws.ts';
import type { ProxiedRequest } from '../support/aws-proxy.ts';
import { captureIo } from '../support/cli.ts';
import { type FaultConfig, faultRule } from '../support/fault-rule.ts';
import { useMoto } from '../support/moto-harness.ts';
import { recordingLogger } from '../support/moto-records.ts';
import { seedSampleAccount } from '../support/sample-account.ts';
import { type SeedUser, seedUsers } from '../support/seed.ts';

/**
 * The tool under the faults a large, busy account produces: throttling, 5xx,
 * AccessDenied on one user, a user deleted mid-run, a credential report that
 * never finishes. Faults are answered by the proxy in moto's place, so
 * whatever reaches moto really happened, once.
 */

const WRITES = new Set([
  'UpdateAccessKey',
  'AttachUserPolicy',
  'CreatePolicy',
  'DeleteLoginProfile',
  'TagUser',
]);
// Enough attempts that 35% faulted calls never exhaust them: 0.35^15 ≈ 1.5e-7 a call.
const PATIENT = { maxAttempts: 15 };

/** 24 more users, most without MFA, so throttling has something to bite on. */
const EXTRA_USERS: SeedUser[] = Array.from({ length: 24 }, (_, i) => ({
  name: `dev-${String(i).padStart(2, '0')}`,
  console: i % 2 === 0,
  accessKeys: i % 3 === 0 ? ['active'] : [],
  mfa: i % 4 === 0 ? ['virtual'] : i % 5 === 0 ? ['hardware-totp'] : [],
}));

// The SDK backs off exponentially from throttling (AWS's advice), so a stormy run takes tens of seconds.
vi.setConfig({ testTimeout: 180_000 });

const emulator = useMoto(
  async (moto) => {
    const { iam } = allTestClients(moto.endpoint);
    await seedSampleAccount(iam, moto);
    await seedUsers(iam, moto, EXTRA_USERS);
  },
  { reseedOnlyAfterChanges: true },
);

function withFaults(config: FaultConfig) {
  const faults = faultRule(config);
  emulator.proxy.setRule(faults.rule);
  return faults.stats;
}

const settings = () => ({
  ...testClientSettings(emulator.proxy.endpoint),
  ...PATIENT,
  retryStrategy: quickRetries(PATIENT.maxAttempts),
});
const verdicts = (report: MfaReport) => report.users.map((u) => [u.username, u.status, u.risk]);

/** Each write that reached emulator.moto, keyed by what it changed: a key seen twice is a duplicate write. */
function duplicateWrites(requests: readonly ProxiedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const { action, params } of requests) {
    if (!WRITES.has(action)) continue;
    // A TagUser is known by the tags it writes: warning tonight and enforcing tomorrow are two writes.
    const tagKeys = [...params]
      .filter(([name]) => /^Tags\.member\.\d+\.Key$/.test(name))
      .map(([, value]) => value);
    const key = [
      action,
      params.get('UserName'),
      params.get('AccessKeyId'),
      params.get('PolicyArn'),
      ...tagKeys,
    ].join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([key]) => key);
}

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

describe('a credential report that never finishes', () => {
  it('ends the bulk report with a clear error after the wait it was given', async () => {
    withFaults({ credentialReportStuck: true });
    const started = Date.now();
    const captured = captureIo();
    const code = await runCli(['iam-mfa', 'report', '--report-timeout', '2'], {
      io: captured.io,
      aws: settings(),
    });
    expect(code).toBe(1);
    expect(captured.stderr()).toBe(
      'awssec: the credential report was still being generated after 2 s: try again in a few minutes, or use --source live\n',
    );
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('falls back to reading every user live with --source auto, and says so', async () => {
    withFaults({ credentialReportStuck: true });
    const captured = captureIo();
    const code = await runCli(['iam-mfa', 'report', '--source', 'auto', '--report-timeout', '1'], {
      io: captured.io,
      aws: settings(),
    });
    expect(code).toBe(0);
    expect(captured.stdout()).toContain(
      'Source: every user read live, because the credential report was still being generated after 1 s',
    );
    const report = await generateMfaReport({
      ...settings(),
      source: 'auto',
      credentialReportTimeoutMs: 1000,
    });
    expect(report.inventory).toMatchObject({ source: 'live', users_read_live: 31 });
    expect(report.inventory.fallback_reason).toContain('the credential report was still being generated');
  });
});

describe('the nightly Lambda under faults', () => {
  it('neither loses an action nor repeats one when the run is retried', async () => {
    const setup = allTestClients(emulator.moto.endpoint);
    await setup.s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
    await setup.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'security@example.com' }));
    const topicArn = (await setup.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
    const handler = (now: Date) =>
      createNightlyHandler({
        settings: {
          mode: 'enforce',
          apply: true,
          gracePeriodDays: 7,
          warningDays: 3,
          excludeUsers: ['svc-*'],
          breakGlass: [],
          maxUsers: 100,
          maxPercent: 100,
          disableConsoleAccess: false,
          reportBucket: 'reports',
          topicArn,
          senderEmail: 'security@example.com',
          emailDomain: 'example.com',
        },
        clients: allTestClients(emulator.proxy.endpoint, {
          ...PATIENT,
          retryStrategy: quickRetries(PATIENT.maxAttempts),
        }),
        logger: recordingLogger().logger,
        metrics: { addMetric: () => {}, publishStoredMetrics: () => {} },
        now: () => now,
      });
    withFaults({ throttleShare: 0.3, serverErrorShare: 0.05, seed: 11, spare: ['PutObject'] });
    const night1 = new Date();
    const warned = await handler(night1)({ id: 'night-1' });
    expect(warned.warnings.every((w) => w.mail === 'sent')).toBe(true);
    const night2 = new Date(night1.getTime() + 25 * 3_600_000);
    const first = await handler(night2)({ id: 'night-2' });
    const enforced =
      first.enforcement?.users.filter((u) => u.outcome === 'enforced').map((u) => u.username) ?? [];
    expect(enforced.sort()).toEqual(warned.warnings.map((w) => w.username).sort());
    expect(duplicateWrites(emulator.proxy.forwarded)).toEqual([]);

    // Lambda retries the same night's run: nothing more is written.
    const writesBefore = emulator.proxy.forwarded.filter((r) => WRITES.has(r.action)).length;
    const retry = await handler(night2)({ id: 'night-2' });
    expect(retry.warnings).toEqual([]);
    expect(emulator.proxy.forwarded.filter((r) => WRITES.has(r.action)).length).toBe(writesBefore);
  });
});
