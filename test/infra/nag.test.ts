import { CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagRuleCompliance, type NagRuleResult, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS } from '../../lib/config.ts';
import { buildStack } from './support.ts';

/** Every acknowledgment recorded on the tree: `path rule-id` → reason. */
function acknowledgments(root: IConstruct): Map<string, string> {
  const found = new Map<string, string>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.set(`${construct.node.path} ${id.replace(/^annotation::/i, '')}`, reason);
      }
    }
  }
  return found;
}

/** The rules this stack acknowledges, applied directly: what they find with no acknowledgment at all. */
const ACKNOWLEDGED_RULES: [string, (node: CfnResource) => NagRuleResult][] = [
  ['AwsSolutions-IAM5', rules.iam.IAMNoWildcardPermissions],
  ['AwsSolutions-L1', rules.lambda.LambdaLatestVersion],
  ['AwsSolutions-S1', rules.s3.S3BucketLoggingEnabled],
  ['AwsSolutions-SQS3', rules.sqs.SQSQueueDLQ],
];

/** `path rule-id` of each raw finding, the path being the resource's. */
function rawFindings(root: IConstruct): string[] {
  const findings: string[] = [];
  for (const construct of root.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    for (const [id, rule] of ACKNOWLEDGED_RULES) {
      const result = rule(construct);
      if (result === NagRuleCompliance.NON_COMPLIANT) findings.push(`${construct.node.path} ${id}`);
      if (Array.isArray(result))
        findings.push(...result.map((finding) => `${construct.node.path} ${id}[${finding}]`));
    }
  }
  return findings;
}

/** Each acknowledgment answers a raw finding on the resource or an ancestor of it, with a specific reason. */
function expectOnlyRealAcknowledgments(root: IConstruct): Map<string, string> {
  const findings = rawFindings(root);
  const acknowledged = acknowledgments(root);
  for (const [where, reason] of acknowledged) {
    const [path, id] = where.split(' ');
    expect(
      findings.some((finding) => finding.startsWith(`${path}/`) && finding.endsWith(` ${id}`)),
      `${where} answers no finding`,
    ).toBe(true);
    expect(reason.length, where).toBeGreaterThan(60);
  }
  return acknowledged;
}

const ENFORCING = {
  mode: 'enforce',
  apply: 'true',
  disableConsoleAccess: 'true',
  senderEmail: 'sec@example.com',
  securityHub: 'true',
};

const ORGANIZATION = { organization: 'true', organizationId: 'o-a1b2c3d4e5', targetOus: 'r-ab12' };

describe('cdk-nag AwsSolutions', () => {
  it.each([
    [{}, undefined],
    [{}, '123456789012'],
    [{ mode: 'warn', senderEmail: 'sec@example.com', securityEmails: 'a@example.com' }, undefined],
    [ENFORCING, undefined],
    [ENFORCING, '123456789012'],
    [ORGANIZATION, '123456789012'],
    [{ ...ORGANIZATION, ...ENFORCING, regions: 'us-east-1' }, '123456789012'],
  ])(
    'finds nothing unacknowledged (context %o, account %s)',
    (context, account) => {
      const { app } = buildStack(context, account === undefined ? {} : { account });
      const report = new AwsSolutionsChecks(app).validateScope(app);
      expect(report.violations.map((violation) => `${violation.ruleName} ${violation.description}`)).toEqual(
        [],
      );
      expect(report.success).toBe(true);
      // The first case loads aws-cdk-lib and cdk-nag: seconds of processor on a busy machine.
    },
    90_000,
  );

  it('acknowledges only real findings, each on the resource or an ancestor of it, with a specific reason', () => {
    const { app } = buildStack(ENFORCING);
    expect(rawFindings(app).length).toBeGreaterThan(0);
    const acknowledged = expectOnlyRealAcknowledgments(app);
    const ids = [...new Set([...acknowledged.keys()].map((key) => key.split(' ')[1]))].sort();
    expect(ids).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<ReportBucket577F0FCD.Arn>/records/*]',
      'AwsSolutions-IAM5[Resource::<ReportBucket577F0FCD.Arn>/reports/*]',
      'AwsSolutions-IAM5[Resource::arn:aws:iam::<AWS::AccountId>:user/*]',
      'AwsSolutions-IAM5[Resource::arn:aws:ses:us-east-1:<AWS::AccountId>:identity/*]',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
    ]);
  });

  it.each([
    ['report mode', ORGANIZATION],
    ['enforcing', { ...ORGANIZATION, ...ENFORCING }],
  ])(
    'organization mode, %s: the member stack finds nothing unacknowledged, and acknowledges only real findings',
    (_, context) => {
      const member = buildStack(context, { account: '123456789012' }).stack.organization?.memberStack;
      if (member === undefined) throw new Error('no member stack');
      const report = new AwsSolutionsChecks(member).validateScope(member);
      expect(report.violations.map((violation) => `${violation.ruleName} ${violation.description}`)).toEqual(
        [],
      );
      const acknowledged = expectOnlyRealAcknowledgments(member);
      expect([...new Set([...acknowledged.keys()].map((key) => key.split(' ')[1]))].sort()).toEqual([
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
        'AwsSolutions-SQS3',
      ]);
    },
    90_000,
  );

  it("organization mode: the central roles' acknowledgments name the member roles of any account", () => {
    const { app } = buildStack({ ...ORGANIZATION, ...ENFORCING }, { account: '123456789012' });
    const ids = [...new Set([...acknowledgments(app).keys()].map((key) => key.split(' ')[1]))];
    expect(ids.filter((id) => id?.includes(':role/')).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/AwssecIamMfaAudit]',
      'AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/AwssecIamMfaEnforce]',
      'AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/AwssecIamMfaOnboarding]',
    ]);
  });

  it("acknowledges SQS3 only on the rules' dead-letter queues (a Lambda DeadLetterConfig already satisfies it)", () => {
    const { app } = buildStack();
    const sqs3 = [...acknowledgments(app).keys()].filter((key) => key.endsWith(' AwsSolutions-SQS3'));
    const forwarding = DEFAULT_REGIONS.filter((region) => region !== 'us-east-1').map(
      (region) => `AwssecIamMfaRegion-${region}/ForwardingDeadLetterQueue`,
    );
    expect(forwarding).toHaveLength(16);
    expect(sqs3.map((key) => key.split(' ')[0]).sort()).toEqual([
      'AwssecIamMfa/Alerts/ConsoleSignInWithoutMfaRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/ForwardedConsoleSignInWithoutMfaRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/ForwardedMfaDeviceEnabledRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/ForwardedMfaDeviceRemovedRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/ForwardedRequireMfaPolicyChangedRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/ForwardedRootSignInRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/MfaDeviceEnabledRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/MfaDeviceRemovedRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/RequireMfaPolicyChangedRuleDeadLetterQueue',
      'AwssecIamMfa/Alerts/RootSignInRuleDeadLetterQueue',
      'AwssecIamMfa/Nightly/ScheduleRuleDeadLetterQueue',
      'AwssecIamMfa/Onboarding/CreateUserRuleDeadLetterQueue',
      ...forwarding.sort(),
    ]);
  });
});
