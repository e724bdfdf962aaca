/** A credential report that never finishes, and the nightly Lambda under faults (the account and the faults: fault-account.ts). */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.ts';
import { createNightlyHandler } from '../../lambdas/nightly/nightly.ts';
import { generateMfaReport } from '../../lambdas/use-cases/generate-mfa-report.ts';
import { allTestClients, quickRetries } from '../support/aws.ts';
import { captureIo } from '../support/cli.ts';
import { recordingLogger } from '../support/moto-records.ts';
import { duplicateWrites, PATIENT, useFaultAccount, WRITES } from './fault-account.ts';

// The SDK backs off exponentially from throttling (AWS's advice), so a stormy run takes tens of seconds.
vi.setConfig({ testTimeout: 180_000 });

const { emulator, withFaults, settings } = useFaultAccount();

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
          securityHub: false,
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
