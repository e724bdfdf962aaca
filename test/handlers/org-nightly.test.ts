/**
 * The organization's nightly run, each step of its state machine as the
 * state machine calls it, against a moto organization of three accounts:
 * the list, one account's run (the management account with its own
 * credentials, each member through its role, one whose role is refused),
 * and the aggregation into one report, one summary and the metrics.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createAccountNightlyHandler } from '../../lambdas/account-nightly/account-nightly.ts';
import { createOrganizationsClient } from '../../lambdas/aws/organization.ts';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import type { OrgMfaReport } from '../../lambdas/core/org-report.ts';
import { createOrgAccountsHandler } from '../../lambdas/org-accounts/org-accounts.ts';
import { createOrgReportHandler, type DimensionedMetricsSink } from '../../lambdas/org-report/org-report.ts';
import type { AccountNightlyResult, OrgNightlySettings } from '../../lambdas/use-cases/org-nightly-run.ts';
import { allTestClients, testClientSettings } from '../support/aws.ts';
import { publishedMessages, recordingLogger } from '../support/moto-records.ts';
import { nightlySettings } from '../support/nightly-settings.ts';
import { refuseAssumeRoleIn, useSampleOrganization } from '../support/sample-organization.ts';

const emulator = useSampleOrganization();
const BUCKET = 'awssec-reports';
// The sample users' ages are counted back from the real clock, so the run is now too.
const NOW = new Date();
const DAY = `reports/${NOW.toISOString().slice(0, 10).replace(/-/g, '/')}`;
const STAMP = NOW.toISOString().replace(/[:.]/g, '-');

function settings(topicArn: string, overrides: Partial<OrgNightlySettings> = {}): OrgNightlySettings {
  return {
    ...nightlySettings(BUCKET, topicArn),
    memberRoleName: 'AwssecIamMfaAudit',
    accountConcurrency: 8,
    ...overrides,
  };
}

/** The bucket and topic the stack would have made; written in each test, so moto is reset after it. */
async function prepare() {
  const clients = allTestClients(emulator.proxy.endpoint);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
  return { clients, topicArn };
}

function accountStep(topicArn: string, overrides: Partial<OrgNightlySettings> = {}) {
  const clients = allTestClients(emulator.proxy.endpoint);
  const recorder = recordingLogger();
  const handler = createAccountNightlyHandler({
    settings: settings(topicArn, overrides),
    clients: { ...clients, settings: testClientSettings(emulator.proxy.endpoint) },
    logger: recorder.logger,
    now: () => NOW,
  });
  return { handler, recorder };
}

/** Powertools' Metrics as the handler uses it: each metric kept with the dimensions it was published under. */
function dimensionedMetrics() {
  const published: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  let pending: { name: string; value: number }[] = [];
  let dimensions: Record<string, string> = {};
  const sink: DimensionedMetricsSink = {
    addDimension: (name, value) => {
      dimensions[name] = value;
    },
    addMetric: (name, _unit, value) => pending.push({ name, value }),
    publishStoredMetrics: () => {
      published.push(...pending.map((m) => ({ ...m, dimensions })));
      pending = [];
      dimensions = {};
    },
  };
  return { sink, published };
}

async function readText(key: string): Promise<string> {
  const { s3 } = allTestClients(emulator.proxy.endpoint);
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** The whole night as the state machine runs it: list, each account, aggregate. */
async function runNight(topicArn: string) {
  const listed = await createOrgAccountsHandler({
    organizations: createOrganizationsClient(testClientSettings(emulator.proxy.endpoint)),
    logger: recordingLogger().logger,
  })();
  const { handler } = accountStep(topicArn);
  const results: AccountNightlyResult[] = [];
  for (const account of listed.accounts) results.push(await handler(account));
  const { aggregate, metrics } = reportStep(topicArn);
  const output = await aggregate({ results });
  return { listed, results, output, metrics: metrics.published };
}

/** The state machine's last step, with a metrics sink that keeps what it published. */
function reportStep(topicArn: string) {
  const metrics = dimensionedMetrics();
  const aggregate = createOrgReportHandler({
    settings: settings(topicArn),
    clients: { ...allTestClients(emulator.proxy.endpoint), centralAccountId: emulator.org.management },
    logger: recordingLogger().logger,
    metrics: metrics.sink,
    now: () => NOW,
  });
  return { aggregate, metrics };
}

describe("the organization's nightly run, step by step", () => {
  it('lists the ACTIVE accounts with their names, sorted, and how many', async () => {
    const listed = await createOrgAccountsHandler({
      organizations: createOrganizationsClient(testClientSettings(emulator.proxy.endpoint)),
      logger: recordingLogger().logger,
    })();
    const { management, dev, prod } = emulator.org;
    expect(listed.count).toBe(3);
    expect(listed.accounts).toEqual(
      [
        { accountId: management, name: 'master' },
        { accountId: dev, name: 'dev' },
        { accountId: prod, name: 'prod' },
      ].sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
  });

  it("runs each account with the right credentials and saves its report under the account's id", async () => {
    const { topicArn } = await prepare();
    const { handler } = accountStep(topicArn);
    const dev = await handler({ accountId: emulator.org.dev, name: 'dev' });
    expect(dev).toMatchObject({
      account_id: emulator.org.dev,
      account_name: 'dev',
      status: 'assessed',
      compliance_percent: 50,
      non_compliant: 1,
      warned: 0,
      enforcement_refused: null,
    });
    expect(dev.status === 'assessed' && dev.report_key).toBe(
      `${DAY}/${emulator.org.dev}/mfa-report-${STAMP}.json`,
    );
    const devReport = JSON.parse(
      await readText(dev.status === 'assessed' ? dev.report_key : ''),
    ) as MfaReport;
    expect(devReport.account_id).toBe(emulator.org.dev);
    expect(devReport.users.map((u) => u.username).sort()).toEqual(['dev.alice', 'dev.bob']);

    const management = await handler({ accountId: emulator.org.management, name: 'master' });
    expect(management).toMatchObject({ status: 'assessed', non_compliant: 3 });
    // Only the members are reached through their role; the management account with the function's own.
    const assumed = emulator.proxy.forwarded
      .filter((r) => r.action === 'AssumeRole')
      .map((r) => r.params.get('RoleArn'));
    expect(assumed).toEqual([`arn:aws:iam::${emulator.org.dev}:role/AwssecIamMfaAudit`]);
    // One summary for the organization, at the end: none from an account's step.
    expect(await publishedMessages(emulator.moto, topicArn)).toEqual([]);
  });

  it('assumes the enforce role in warn mode', async () => {
    const { topicArn } = await prepare();
    const { handler } = accountStep(topicArn, { mode: 'warn', memberRoleName: 'AwssecIamMfaEnforce' });
    expect(await handler({ accountId: emulator.org.prod, name: 'prod' })).toMatchObject({
      status: 'assessed',
    });
    expect(emulator.proxy.forwarded.find((r) => r.action === 'AssumeRole')?.params.get('RoleArn')).toBe(
      `arn:aws:iam::${emulator.org.prod}:role/AwssecIamMfaEnforce`,
    );
  });

  it('returns an account whose role is refused as not assessed, with the AWS error, and throws nothing', async () => {
    const { topicArn } = await prepare();
    emulator.proxy.setRule(refuseAssumeRoleIn(emulator.org.prod));
    const { handler, recorder } = accountStep(topicArn);
    const result = await handler({ accountId: emulator.org.prod, name: 'prod' });
    expect(result).toMatchObject({
      account_id: emulator.org.prod,
      account_name: 'prod',
      status: 'not-assessed',
    });
    expect(result.status === 'not-assessed' && result.reason).toContain('access denied to sts:AssumeRole');
    expect(recorder.entries.map((e) => e.message)).toContain('account not assessed');
  });

  it('aggregates every account into one report (JSON and CSV), one summary naming the account not assessed, and metrics by AccountId', async () => {
    const { topicArn } = await prepare();
    emulator.proxy.setRule(refuseAssumeRoleIn(emulator.org.prod));
    const { results, output, metrics } = await runNight(topicArn);
    expect(results.map((r) => r.status).sort()).toEqual(['assessed', 'assessed', 'not-assessed']);
    // The Map's output stays small: a few hundred bytes an account, far below Step Functions' 256 KB.
    for (const result of results) expect(JSON.stringify(result).length).toBeLessThan(700);

    expect(output.reportKeys).toEqual([
      `${DAY}/org-mfa-report-${STAMP}.json`,
      `${DAY}/org-mfa-report-${STAMP}.csv`,
    ]);
    const report = JSON.parse(await readText(output.reportKeys[0] ?? '')) as OrgMfaReport;
    expect(report.summary).toMatchObject({
      accounts: 3,
      accounts_assessed: 2,
      accounts_not_assessed: 1,
      total: 9,
    });
    expect(report.caller_account_id).toBe(emulator.org.management);
    expect(report.settings).toMatchObject({ role_name: 'AwssecIamMfaAudit', account_concurrency: 8 });
    expect(report.accounts[0]).toMatchObject({ account_id: emulator.org.prod, status: 'not-assessed' });
    expect(report.accounts[0]?.reason).toContain('access denied to sts:AssumeRole');
    const rows = parse(await readText(output.reportKeys[1] ?? ''), { columns: true }) as Record<
      string,
      string
    >[];
    expect(new Set(rows.map((row) => row.account_id))).toEqual(
      new Set([emulator.org.management, emulator.org.dev]),
    );
    expect(rows.find((row) => row.username === 'dev.alice')?.account_name).toBe('dev');

    const messages = await publishedMessages(emulator.moto, topicArn);
    expect(messages).toHaveLength(1);
    const [summary] = messages;
    expect(summary?.subject).toBe(
      `[awssec] MFA ATTENTION: ${report.summary.compliance_percent}% compliant, ${report.summary['non-compliant']} non-compliant, 1 of 3 accounts not assessed`,
    );
    expect(summary?.message).toContain('Accounts: 2 assessed · 1 NOT assessed');
    expect(summary?.message).toMatch(
      new RegExp(`- ${emulator.org.prod} \\(prod\\): .*access denied to sts:AssumeRole`),
    );
    expect(summary?.message).toContain(`- ${emulator.org.dev} (dev): 50% compliant, 1 non-compliant`);

    const compliance = metrics.filter((m) => m.name === 'CompliancePercent');
    expect(compliance).toEqual(
      expect.arrayContaining([
        { name: 'CompliancePercent', value: 50, dimensions: { AccountId: emulator.org.dev } },
        { name: 'CompliancePercent', value: report.summary.compliance_percent, dimensions: {} },
      ]),
    );
    // Two assessed accounts and the organization; nothing for the account not assessed.
    expect(compliance).toHaveLength(3);
    expect(metrics.some((m) => m.dimensions.AccountId === emulator.org.prod)).toBe(false);
    expect(metrics.filter((m) => m.name.startsWith('Accounts'))).toEqual([
      { name: 'AccountsAssessed', value: 2, dimensions: {} },
      { name: 'AccountsNotAssessed', value: 1, dimensions: {} },
    ]);
  });

  it('turns an account whose report cannot be read back into a not-assessed one', async () => {
    const { topicArn } = await prepare();
    const { aggregate } = reportStep(topicArn);
    const result: AccountNightlyResult = {
      account_id: emulator.org.dev,
      account_name: 'dev',
      status: 'assessed',
      report_key: `${DAY}/missing.json`,
      compliance_percent: 50,
      non_compliant: 1,
      warned: 0,
      enforced: 0,
      enforcement_failures: 0,
      users_at_tag_quota: 0,
      enforcement_refused: null,
    };
    const output = await aggregate({ results: [result] });
    const report = JSON.parse(await readText(output.reportKeys[0] ?? '')) as OrgMfaReport;
    expect(report.accounts[0]).toMatchObject({ status: 'not-assessed' });
    expect(report.accounts[0]?.reason).toContain('its report could not be read back');
    const { s3 } = allTestClients(emulator.proxy.endpoint);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.KeyCount).toBe(2);
  });

  it('refuses an aggregation input without results', async () => {
    const { aggregate } = reportStep('arn:aws:sns:us-east-1:123456789012:none');
    await expect(aggregate({})).rejects.toThrow('the aggregation step was given no results array');
  });
});
