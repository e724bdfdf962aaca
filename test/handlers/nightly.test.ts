import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { requireMfaPolicy } from '../../lambdas/core/policies.ts';
import { createNightlyHandler } from '../../lambdas/nightly/nightly.ts';
import type { NightlySettings } from '../../lambdas/use-cases/nightly-run.ts';
import {
  allTestClients,
  createTamperedRequireMfa,
  swapRequireMfaDefaultVersion,
  TEST_ACCOUNT_ID,
  testClientSettings,
} from '../support/aws.ts';

const REQUIRE_MFA_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;

import { rewriteAccountSummary } from '../support/aws-proxy.ts';
import { recordingMetrics } from '../support/metrics.ts';
import { useMoto } from '../support/moto-harness.ts';
import { publishedMessages, recordingLogger, sentMail } from '../support/moto-records.ts';
import { nightlySettings } from '../support/nightly-settings.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const BUCKET = 'awssec-reports';
const SENDER = 'security@example.com';
const IAM_WRITES = ['UpdateAccessKey', 'AttachUserPolicy', 'CreatePolicy', 'DeleteLoginProfile', 'TagUser'];

let iam: IAMClient;
let topicArn: string;

const emulator = useMoto(
  async (moto) => {
    const clients = allTestClients(moto.endpoint);
    iam = clients.iam;
    await seedSampleAccount(iam, moto);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await clients.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SENDER }));
    topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
  },
  { reseedOnlyAfterChanges: true },
);

function nightly(settings: Partial<NightlySettings> = {}, now = new Date()) {
  const clients = allTestClients(emulator.proxy.endpoint);
  const recorder = recordingLogger();
  const metrics = recordingMetrics();
  const handler = createNightlyHandler({
    settings: nightlySettings(BUCKET, topicArn, {
      senderEmail: SENDER,
      emailDomain: 'example.com',
      ...settings,
    }),
    clients: { ...clients, securityHub: new SecurityHubClient(testClientSettings(emulator.proxy.endpoint)) },
    logger: recorder.logger,
    metrics: metrics.sink,
    now: () => now,
  });
  return { handler, logs: recorder.entries, metrics: metrics.added, published: metrics.flushes };
}

async function reportObjects(): Promise<string[]> {
  const { Contents } = await allTestClients(emulator.moto.endpoint).s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET }),
  );
  return (Contents ?? []).map((object) => object.Key ?? '').sort();
}

async function tagsOf(userName: string): Promise<Record<string, string>> {
  const { Tags } = await iam.send(new ListUserTagsCommand({ UserName: userName }));
  return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

const iamWrites = () =>
  Object.fromEntries([...emulator.proxy.seen].filter(([action]) => IAM_WRITES.includes(action)));
const SCHEDULED = { id: 'scheduled-1', source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

describe('nightly handler', () => {
  it('in report mode saves the JSON and CSV report, publishes the summary and the metrics, and changes nothing', async () => {
    const { handler, metrics, published } = nightly();
    const result = await handler(SCHEDULED);
    const keys = await reportObjects();
    expect(keys).toEqual(result.reportKeys.slice().sort());
    expect(keys.map((key) => key.replace(/\d/g, 'N'))).toEqual([
      'reports/NNNN/NN/NN/mfa-report-NNNN-NN-NNTNN-NN-NN-NNNZ.csv',
      'reports/NNNN/NN/NN/mfa-report-NNNN-NN-NNTNN-NN-NN-NNNZ.json',
    ]);
    const json = await allTestClients(emulator.moto.endpoint).s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: keys[1] }),
    );
    const saved: MfaReport = JSON.parse((await json.Body?.transformToString()) ?? '{}');
    expect(saved.summary).toMatchObject({
      total: 7,
      compliant: 2,
      'non-compliant': 3,
      'grace-period': 1,
      exempted: 1,
    });

    const [summary, ...more] = await publishedMessages(emulator.moto, topicArn);
    expect(more).toEqual([]);
    expect(summary?.subject).toBe('[awssec] MFA ATTENTION: 28.6% compliant, 3 non-compliant in 123456789012');
    expect(summary?.message).toContain('Non-compliant: alice.brown, bob.wilson, old.account');
    expect(summary?.message).toContain(`Report: s3://${BUCKET}/${keys[1]} (and .csv)`);
    expect(metrics).toContainEqual({ name: 'CompliancePercent', unit: 'Percent', value: 28.6 });
    expect(metrics).toContainEqual({ name: 'UsersNonCompliant', unit: 'Count', value: 3 });
    expect(summary?.message).toContain('Root MFA: NOT ENABLED · root access keys: none');
    expect(metrics).toContainEqual({ name: 'RootHasCredentials', unit: 'Count', value: 1 });
    expect(published()).toBe(1);
    expect(iamWrites()).toEqual({});
    expect(await sentMail(emulator.moto)).toEqual([]);
  });

  it('says root needs no MFA when AWS says root has no credentials, and does not call for attention over it', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GetAccountSummary'
        ? {
            rewrite: rewriteAccountSummary({
              AccountPasswordPresent: 0,
              AccountAccessKeysPresent: 0,
              AccountSigningCertificatesPresent: 0,
            }),
          }
        : undefined,
    );
    // Only compliant users in scope: root is all that could call for attention.
    const { handler, metrics } = nightly({ excludeUsers: ['alice.*', 'bob.*', 'old.*', 'new.*', 'svc-*'] });
    await handler(SCHEDULED);
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.subject).toBe('[awssec] MFA OK: 28.6% compliant, 0 non-compliant in 123456789012');
    expect(summary?.message).toContain('Root: no password, access keys or certificates (no MFA needed)');
    expect(metrics).toContainEqual({ name: 'RootMfaEnabled', unit: 'Count', value: 0 });
    expect(metrics).toContainEqual({ name: 'RootHasCredentials', unit: 'Count', value: 0 });
  });

  it('with Security Hub on, imports the findings and says so in the summary; a failed import is reported, not thrown', async () => {
    const { handler, metrics } = nightly({ securityHub: true });
    const result = await handler(SCHEDULED);
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain(
      'Security Hub (us-east-1): imported 8 of 8 findings (6 failed, 2 warning, 0 passed, 0 archived)',
    );
    expect(metrics).toContainEqual({ name: 'SecurityHubFindingsNotImported', unit: 'Count', value: 0 });
    const held = await new SecurityHubClient(testClientSettings(emulator.moto.endpoint)).send(
      new GetFindingsCommand({}),
    );
    expect(held.Findings?.map((f) => f.Id).sort()).toEqual(
      result.securityHub?.ok ? result.securityHub.plan.findings.map((f) => f.Id).sort() : ['no import'],
    );

    emulator.proxy.setRule(({ path }) =>
      path === '/findings/import'
        ? { respond: { status: 400, body: '{"__type":"InvalidInputException","Message":"rate exceeded"}' } }
        : undefined,
    );
    const failing = nightly({ securityHub: true });
    const second = await failing.handler(SCHEDULED);
    expect(second.reportKeys).toHaveLength(2);
    const [, again] = await publishedMessages(emulator.moto, topicArn);
    expect(again?.subject).toMatch(/^\[awssec\] MFA ATTENTION/);
    expect(again?.message).toMatch(
      /SECURITY HUB IMPORT FAILED \(tried again tomorrow\): securityhub:BatchImportFindings failed/,
    );
    expect(failing.metrics).toContainEqual({
      name: 'SecurityHubFindingsNotImported',
      unit: 'Count',
      value: 1,
    });
  });

  it('in warn mode mails and tags the non-compliant users and those whose grace ends soon, once', async () => {
    const now = new Date();
    // new.user's grace period (7 days) ends in 7 days: outside a 3-day window, inside an 8-day one.
    const { handler } = nightly({ mode: 'warn', warningDays: 8 }, now);
    const result = await handler(SCHEDULED);
    expect(result.warnings.map((w) => [w.username, w.mail, w.recipient])).toEqual([
      ['alice.brown', 'sent', 'alice.brown@example.com'],
      ['bob.wilson', 'sent', 'bob.wilson@example.com'],
      ['old.account', 'sent', 'old.account@example.com'],
      ['new.user', 'sent', 'new.user@example.com'],
    ]);
    expect(await tagsOf('bob.wilson')).toMatchObject({ 'awssec:mfa-warned-at': now.toISOString() });
    expect(await tagsOf('john.doe')).not.toHaveProperty('awssec:mfa-warned-at');
    expect((await sentMail(emulator.moto)).map((m) => m.subject)).toEqual(
      Array(4).fill('Action needed: set up MFA for AWS account 123456789012'),
    );
    expect(iamWrites()).toEqual({ TagUser: 4 });

    emulator.proxy.seen.clear();
    const again = await nightly({ mode: 'warn', warningDays: 8 }, now).handler(SCHEDULED);
    expect(again.warnings).toEqual([]);
    expect(iamWrites()).toEqual({});
    expect(await sentMail(emulator.moto)).toHaveLength(4);
  });

  it('in enforce mode acts only on users warned a day before, and warns the rest', async () => {
    const now = new Date();
    const yesterday = new Date(now.getTime() - 25 * 3_600_000).toISOString();
    await iam.send(
      new TagUserCommand({
        UserName: 'bob.wilson',
        Tags: [{ Key: 'awssec:mfa-warned-at', Value: yesterday }],
      }),
    );
    const { handler, metrics } = nightly({ mode: 'enforce', apply: true }, now);
    const result = await handler(SCHEDULED);
    expect(result.enforcement?.users.map((u) => [u.username, u.outcome])).toEqual([
      ['bob.wilson', 'enforced'],
      ['alice.brown', 'protected'],
      ['old.account', 'protected'],
    ]);
    expect(result.warnings.map((w) => w.username)).toEqual(['alice.brown', 'old.account']);
    const { AttachedPolicies } = await iam.send(
      new ListAttachedUserPoliciesCommand({ UserName: 'bob.wilson' }),
    );
    expect(AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['RequireMFA']);
    const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: 'alice.brown' }));
    expect(AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Active']);
    expect(metrics).toContainEqual({ name: 'UsersEnforced', unit: 'Count', value: 1 });
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain('Enforcement (applied): bob.wilson');
    expect(summary?.message).toContain('Held back: alice.brown, old.account');
  });

  it('in enforce mode without apply only plans, and says so', async () => {
    const yesterday = new Date(Date.now() - 25 * 3_600_000).toISOString();
    await iam.send(
      new TagUserCommand({
        UserName: 'bob.wilson',
        Tags: [{ Key: 'awssec:mfa-warned-at', Value: yesterday }],
      }),
    );
    const result = await nightly({ mode: 'enforce', apply: false }).handler(SCHEDULED);
    expect(result.enforcement?.dry_run).toBe(true);
    expect(iamWrites()).toEqual({ TagUser: 2 }); // tonight's warnings only
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain(
      'Enforcement (dry run: nothing changed; set apply to act): bob.wilson',
    );
  });

  it('reports a refused enforcement to the security team and logs an error, changing nothing', async () => {
    const yesterday = new Date(Date.now() - 25 * 3_600_000).toISOString();
    for (const UserName of ['alice.brown', 'bob.wilson', 'old.account']) {
      await iam.send(
        new TagUserCommand({ UserName, Tags: [{ Key: 'awssec:mfa-warned-at', Value: yesterday }] }),
      );
    }
    emulator.proxy.seen.clear();
    const { handler, logs } = nightly({ mode: 'enforce', apply: true, maxUsers: 2 });
    const result = await handler(SCHEDULED);
    expect(result.enforcementRefused).toBe(
      'refused: this run would act on 3 users: more than --max-users 2; nothing was changed. Review the plan (the same command without --apply), then raise the limit or add --force',
    );
    expect(iamWrites()).toEqual({});
    expect(
      logs.some((entry) => entry.level === 'error' && entry.message === 'enforcement refused by a guard'),
    ).toBe(true);
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain('ENFORCEMENT REFUSED: refused: this run would act on 3 users');
  });

  it('checks RequireMFA every night: a tampered one is reported, logged, counted, and stops enforcement', async () => {
    await createTamperedRequireMfa(iam, requireMfaPolicy);
    await swapRequireMfaDefaultVersion(iam);
    const yesterday = new Date(Date.now() - 25 * 3_600_000).toISOString();
    await iam.send(
      new TagUserCommand({
        UserName: 'bob.wilson',
        Tags: [{ Key: 'awssec:mfa-warned-at', Value: yesterday }],
      }),
    );
    emulator.proxy.seen.clear();
    const { handler, logs, metrics } = nightly({ mode: 'enforce', apply: true });
    const result = await handler(SCHEDULED);
    expect(result.report.account.require_mfa_policy).toEqual({
      arn: REQUIRE_MFA_ARN,
      status: 'tampered',
      default_version: 'v2',
    });
    expect(result.enforcementRefused).toContain(
      `the managed policy ${REQUIRE_MFA_ARN} (default version v2) is not`,
    );
    expect(iamWrites()).toEqual({ TagUser: 2 }); // tonight's warnings only: nothing attached, no key disabled
    expect(metrics).toContainEqual({ name: 'RequireMfaPolicyUntrusted', unit: 'Count', value: 1 });
    expect(logs.filter((entry) => entry.level === 'error').map((entry) => entry.message)).toEqual([
      'RequireMFA is not the canonical document: nothing is attached until it is repaired',
      'enforcement refused by a guard',
    ]);
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain(
      `RequireMFA policy TAMPERED: ${REQUIRE_MFA_ARN} is not the document this tool attaches; nothing is attached until someone runs awssec iam-mfa policy --repair --apply`,
    );
    expect(summary?.message).toContain('ENFORCEMENT REFUSED: the managed policy');
  });

  it('counts 0 for a canonical RequireMFA, in report mode too', async () => {
    await createTamperedRequireMfa(iam, requireMfaPolicy);
    const { handler, metrics } = nightly();
    const result = await handler(SCHEDULED);
    expect(result.report.account.require_mfa_policy.status).toBe('canonical');
    expect(metrics).toContainEqual({ name: 'RequireMfaPolicyUntrusted', unit: 'Count', value: 0 });
  });

  it('warns again a user whose warning tag is dated in the future, and reports the tag', async () => {
    await iam.send(
      new TagUserCommand({
        UserName: 'bob.wilson',
        Tags: [{ Key: 'awssec:mfa-warned-at', Value: '2099-01-01T00:00:00Z' }],
      }),
    );
    const now = new Date();
    const result = await nightly({ mode: 'warn' }, now).handler(SCHEDULED);
    expect(result.warnings.map((w) => w.username)).toContain('bob.wilson');
    expect(await tagsOf('bob.wilson')).toMatchObject({ 'awssec:mfa-warned-at': now.toISOString() });
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain(
      'TAMPERED warning tags (ignored, warned again): bob.wilson: tag awssec:mfa-warned-at is dated in the future',
    );
  });

  it("warns a user at IAM's tag quota once, keeping the record in the report bucket, then acts on them", async () => {
    const Tags = Array.from({ length: 50 }, (_, i) => ({ Key: `team-tag-${i}`, Value: 'x' }));
    await emulator.moto.setClockOffset(-400 * 86_400);
    try {
      await iam.send(new CreateUserCommand({ UserName: 'full.tags', Tags }));
      await iam.send(new CreateAccessKeyCommand({ UserName: 'full.tags' }));
    } finally {
      await emulator.moto.setClockOffset(0);
    }
    const yesterday = new Date(Date.now() - 25 * 3_600_000);
    const first = nightly({ mode: 'warn' }, yesterday);
    const warned = await first.handler(SCHEDULED);
    expect(warned.warnings.find((w) => w.username === 'full.tags')).toMatchObject({
      mail: 'sent',
      recorded_in: `s3://${BUCKET}/records/${TEST_ACCOUNT_ID}/full.tags.json`,
    });
    expect(warned.usersAtTagQuota).toEqual(['full.tags']);
    expect(first.metrics).toContainEqual({ name: 'UsersAtTagQuota', unit: 'Count', value: 1 });
    const [summary] = await publishedMessages(emulator.moto, topicArn);
    expect(summary?.message).toContain(
      `TAG QUOTA (IAM's 50 tags, so their records are kept in s3://${BUCKET}/records/): full.tags`,
    );
    expect(warned.report.users.find((u) => u.username === 'full.tags')?.reasons).toContainEqual(
      expect.stringMatching(/^cannot record on the user: tag quota \(50 tags, IAM's limit\)/),
    );

    // The next night: not mailed again (the warning is on record), and acted on.
    const mails = (await sentMail(emulator.moto)).length;
    const { handler } = nightly({ mode: 'enforce', apply: true, maxUsers: 10, maxPercent: 100 });
    const result = await handler(SCHEDULED);
    expect(result.warnings.map((w) => w.username)).not.toContain('full.tags');
    expect((await sentMail(emulator.moto)).length).toBe(mails + result.warnings.length);
    expect(result.enforcement?.users.find((u) => u.username === 'full.tags')).toMatchObject({
      outcome: 'enforced',
      recorded_in: `s3://${BUCKET}/records/${TEST_ACCOUNT_ID}/full.tags.json`,
    });
    const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: 'full.tags' }));
    expect(AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Inactive']);
    // And the run itself is saved beside the report: the audit record that needs no tag.
    expect(result.reportKeys.some((key) => /mfa-enforcement-.*\.json$/.test(key))).toBe(true);
  });

  it('does not count a user as warned when no mail could reach them', async () => {
    const result = await nightly({ mode: 'warn', emailDomain: '' }).handler(SCHEDULED);
    expect(result.warnings.map((w) => [w.username, w.mail])).toEqual([
      ['alice.brown', 'no-address'],
      ['bob.wilson', 'no-address'],
      ['old.account', 'no-address'],
    ]);
    expect(iamWrites()).toEqual({});
  });

  it('does not tag a user whose warning mail failed, so tomorrow tries again', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'SendEmail' && params.get('Destination.ToAddresses.member.1') === 'bob.wilson@example.com'
        ? {
            respond: {
              status: 400,
              body: '<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error></ErrorResponse>',
            },
          }
        : undefined,
    );
    const result = await nightly({ mode: 'warn' }).handler(SCHEDULED);
    expect(result.warnings.find((w) => w.username === 'bob.wilson')).toMatchObject({ mail: 'failed' });
    expect(await tagsOf('bob.wilson')).not.toHaveProperty('awssec:mfa-warned-at');
    expect(await tagsOf('alice.brown')).toHaveProperty('awssec:mfa-warned-at');
  });
});

describe('nightly cold start', () => {
  it('runs as Lambda runs it, with Security Hub on: settings from the environment, clients from the SDK chain', async () => {
    vi.resetModules();
    const environment: Record<string, string> = {
      MODE: 'report',
      APPLY: 'false',
      GRACE_PERIOD_DAYS: '7',
      WARNING_DAYS: '3',
      EXCLUDE_USERS: 'svc-*',
      BREAK_GLASS: '',
      MAX_USERS: '10',
      MAX_PERCENT: '50',
      DISABLE_CONSOLE_ACCESS: 'false',
      REPORT_BUCKET: BUCKET,
      TOPIC_ARN: topicArn,
      SENDER_EMAIL: '',
      EMAIL_DOMAIN: '',
      SECURITY_HUB: 'true',
      AWS_ENDPOINT_URL: emulator.moto.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    try {
      const { handler } = await import('../../lambdas/nightly/handler.ts');
      const result = await handler(SCHEDULED);
      expect(result.securityHub).toMatchObject({ ok: true, outcome: { imported: 8, failed: [] } });
      const held = await new SecurityHubClient(testClientSettings(emulator.moto.endpoint)).send(
        new GetFindingsCommand({}),
      );
      expect(held.Findings).toHaveLength(8);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
