/**
 * The operator policies under an IAM policy evaluator (@cloud-copilot/iam-simulate):
 * each command's own calls are allowed, and none of them lets the operator
 * grant themselves more or exempt anyone.
 */
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { EXEMPTION_TAG } from '../../lambdas/core/assessment.ts';
import {
  type OperatorCommand,
  operatorPolicy,
  RECORD_TAG_KEYS,
} from '../../lambdas/core/operator-policies.ts';
import {
  BULK_REPORT_PERMISSIONS,
  ENFORCE_PERMISSIONS,
  ENFORCE_RECORD_PERMISSIONS,
  ORGANIZATION_PERMISSIONS,
  type Permission,
  REPAIR_PERMISSIONS,
  RESTORE_PERMISSIONS,
  RESTORE_RECORD_PERMISSIONS,
  SECURITY_HUB_PERMISSIONS,
} from '../../lambdas/core/permissions.ts';
import { WARNED_TAG } from '../../lambdas/core/warnings.ts';

const ACCOUNT = '123456789012';
const OPERATOR = `arn:aws:iam::${ACCOUNT}:user/operator`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const REQUIRE_MFA = `arn:aws:iam::${ACCOUNT}:policy/RequireMFA`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const OTHER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/Other`;

interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

/** The evaluator's decision for the operator's request (signed with MFA) under the command's policy. */
const BUCKET = 'audit-records';

const HUB = `arn:aws:securityhub:eu-west-1:${ACCOUNT}:hub/default`;
const MEMBER_AUDIT_ROLE = 'arn:aws:iam::210987654321:role/AwssecIamMfaAudit';
const OWN_PRODUCT = `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`;

async function decide(
  command: OperatorCommand,
  request: Request,
  securityHub = true,
): Promise<EvaluationResult> {
  const response = await runSimulation(
    {
      request: {
        principal: OPERATOR,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: {
          'aws:username': 'operator',
          'aws:PrincipalAccount': ACCOUNT,
          'aws:MultiFactorAuthPresent': 'true',
          ...request.context,
        },
      },
      identityPolicies: [
        {
          name: command,
          policy: operatorPolicy(command, {
            recordBucket: BUCKET,
            securityHub,
            ...(securityHub ? { organizationRole: 'AwssecIamMfaAudit' } : {}),
          }),
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`not evaluated: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** A request each listed permission stands for, with the context the real call carries. */
function requestFor(permission: Permission): Request {
  const resource = {
    account: '*',
    users: BOB,
    'require-mfa-policy': REQUIRE_MFA,
    'record-objects': `arn:aws:s3:::${BUCKET}/records/${ACCOUNT}/bob.json`,
    'record-bucket': `arn:aws:s3:::${BUCKET}`,
    'security-hub': HUB,
    'security-hub-product': OWN_PRODUCT,
    'member-role': MEMBER_AUDIT_ROLE,
  }[permission.on];
  const context: Record<string, string | string[]> = {};
  if (permission.only === 'require-mfa-policy') context['iam:PolicyARN'] = REQUIRE_MFA;
  if (permission.only === 'tool-tags') context['aws:TagKeys'] = [...RECORD_TAG_KEYS];
  return { action: permission.action, resource, context };
}

const COMMANDS: [OperatorCommand, readonly Permission[]][] = [
  ['report', [...BULK_REPORT_PERMISSIONS, ...SECURITY_HUB_PERMISSIONS, ...ORGANIZATION_PERMISSIONS]],
  ['enforce', [...ENFORCE_PERMISSIONS, ...ENFORCE_RECORD_PERMISSIONS]],
  ['restore', [...RESTORE_PERMISSIONS, ...RESTORE_RECORD_PERMISSIONS]],
  ['repair', REPAIR_PERMISSIONS],
];

describe('each operator policy allows what its command calls', () => {
  it.each(
    COMMANDS.flatMap(([command, permissions]) =>
      permissions.map((permission) => ({
        command,
        action: permission.action,
        request: requestFor(permission),
      })),
    ),
  )('$command: $action', async ({ command, request }) => {
    expect(await decide(command, request)).toBe('Allowed');
  });
});

const attach = (policyArn: string, resource = OPERATOR): Request => ({
  action: 'iam:AttachUserPolicy',
  resource,
  context: { 'iam:PolicyARN': policyArn },
});
const tag = (action: 'iam:TagUser' | 'iam:UntagUser', keys: string[]): Request => ({
  action,
  resource: BOB,
  context: { 'aws:TagKeys': keys },
});

describe("report's Security Hub permissions", () => {
  const importInto = (product: string): Request => ({
    action: 'securityhub:BatchImportFindings',
    resource: product,
  });
  it.each<[string, Request, boolean, EvaluationResult]>([
    ["import into the account's own default product", importInto(OWN_PRODUCT), true, 'Allowed'],
    [
      "import as a partner's product",
      importInto('arn:aws:securityhub:eu-west-1:979326520502:product/crowdstrike/crowdstrike-falcon'),
      true,
      'ImplicitlyDenied',
    ],
    [
      'change the workflow of findings (suppress them)',
      { action: 'securityhub:BatchUpdateFindings', resource: HUB },
      true,
      'ImplicitlyDenied',
    ],
    ['import without --security-hub', importInto(OWN_PRODUCT), false, 'ImplicitlyDenied'],
    [
      'read findings without --security-hub',
      { action: 'securityhub:GetFindings', resource: HUB },
      false,
      'ImplicitlyDenied',
    ],
  ])('%s', async (_, request, securityHub, expected) => {
    expect(await decide('report', request, securityHub)).toBe(expected);
  });

  it.each<[string, Request, EvaluationResult]>([
    [
      'assume the audit role of a member',
      { action: 'sts:AssumeRole', resource: MEMBER_AUDIT_ROLE },
      'Allowed',
    ],
    [
      "assume a member's administrator role",
      { action: 'sts:AssumeRole', resource: 'arn:aws:iam::210987654321:role/OrganizationAccountAccessRole' },
      'ImplicitlyDenied',
    ],
    [
      'create accounts in the organization',
      { action: 'organizations:CreateAccount', resource: '*' },
      'ImplicitlyDenied',
    ],
  ])('with --org: %s', async (_, request, expected) => {
    expect(await decide('report', request)).toBe(expected);
  });

  it('are given to report only', () => {
    for (const command of ['enforce', 'restore', 'repair'] as const) {
      expect(JSON.stringify(operatorPolicy(command, { securityHub: true }))).not.toContain('securityhub');
    }
  });
});

describe('no operator policy lets its holder escalate or exempt anyone', () => {
  it.each<[OperatorCommand, string, Request, EvaluationResult]>([
    ['enforce', 'attach RequireMFA to a user', attach(REQUIRE_MFA, BOB), 'Allowed'],
    ['enforce', 'attach AdministratorAccess to oneself', attach(ADMIN), 'ImplicitlyDenied'],
    ['enforce', 'attach another customer policy', attach(OTHER_POLICY, BOB), 'ImplicitlyDenied'],
    ['enforce', 'record enforcement in tags', tag('iam:TagUser', ['awssec:mfa-enforced-at']), 'Allowed'],
    ['enforce', 'tag a user exempt', tag('iam:TagUser', [EXEMPTION_TAG]), 'ImplicitlyDenied'],
    [
      'enforce',
      'tag a user exempt beside a record tag',
      tag('iam:TagUser', ['awssec:mfa-enforced-at', EXEMPTION_TAG]),
      'ImplicitlyDenied',
    ],
    [
      'enforce',
      'tag the exemption in another case',
      tag('iam:TagUser', ['AWSSEC:MFA-EXEMPT']),
      'ImplicitlyDenied',
    ],
    ['enforce', "set the nightly run's warning tag", tag('iam:TagUser', [WARNED_TAG]), 'ImplicitlyDenied'],
    ['enforce', 'remove a tag', tag('iam:UntagUser', ['awssec:mfa-enforced-at']), 'ImplicitlyDenied'],
    [
      'enforce',
      'create another policy',
      { action: 'iam:CreatePolicy', resource: OTHER_POLICY },
      'ImplicitlyDenied',
    ],
    [
      'enforce',
      'write a RequireMFA version',
      { action: 'iam:CreatePolicyVersion', resource: REQUIRE_MFA },
      'ImplicitlyDenied',
    ],
    [
      'enforce',
      'detach RequireMFA',
      { ...attach(REQUIRE_MFA, BOB), action: 'iam:DetachUserPolicy' },
      'ImplicitlyDenied',
    ],
    [
      'enforce',
      'create an access key',
      { action: 'iam:CreateAccessKey', resource: OPERATOR },
      'ImplicitlyDenied',
    ],
    [
      'restore',
      'detach RequireMFA',
      { ...attach(REQUIRE_MFA, BOB), action: 'iam:DetachUserPolicy' },
      'Allowed',
    ],
    [
      'restore',
      'detach a permissions guard of their own',
      { ...attach(OTHER_POLICY), action: 'iam:DetachUserPolicy' },
      'ImplicitlyDenied',
    ],
    ['restore', 'attach anything', attach(REQUIRE_MFA, BOB), 'ImplicitlyDenied'],
    ['restore', 'remove the record tags', tag('iam:UntagUser', [...RECORD_TAG_KEYS]), 'Allowed'],
    ['restore', 'remove an exemption', tag('iam:UntagUser', [EXEMPTION_TAG]), 'ImplicitlyDenied'],
    ['restore', 'tag a user exempt', tag('iam:TagUser', [EXEMPTION_TAG]), 'ImplicitlyDenied'],
    [
      'repair',
      'write a RequireMFA version',
      { action: 'iam:CreatePolicyVersion', resource: REQUIRE_MFA },
      'Allowed',
    ],
    [
      'repair',
      'write a version of another policy',
      { action: 'iam:CreatePolicyVersion', resource: OTHER_POLICY },
      'ImplicitlyDenied',
    ],
    ['repair', 'attach RequireMFA', attach(REQUIRE_MFA, BOB), 'ImplicitlyDenied'],
    ['report', 'disable a key', { action: 'iam:UpdateAccessKey', resource: BOB }, 'ImplicitlyDenied'],
    ['report', 'tag anyone', tag('iam:TagUser', ['awssec:mfa-enforced-at']), 'ImplicitlyDenied'],
    [
      'enforce',
      'read the reports in the record bucket',
      { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/reports/r.json` },
      'ImplicitlyDenied',
    ],
    [
      'enforce',
      'delete a record',
      { action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/records/x.json` },
      'ImplicitlyDenied',
    ],
    [
      'restore',
      'delete a report',
      { action: 's3:DeleteObject', resource: `arn:aws:s3:::${BUCKET}/reports/r.json` },
      'ImplicitlyDenied',
    ],
  ])('%s: %s is %s', async (command, _what, request, expected) => {
    expect(await decide(command, request)).toBe(expected);
  });

  it('names the record bucket only when given one', () => {
    expect(JSON.stringify(operatorPolicy('enforce'))).not.toContain('s3:');
    expect(JSON.stringify(operatorPolicy('repair', { recordBucket: BUCKET }))).not.toContain('s3:');
  });

  it('no operator policy allows a wildcard action or iam:PassRole', () => {
    for (const [command] of COMMANDS) {
      const actions = operatorPolicy(command).Statement.flatMap((statement) => statement.Action ?? []);
      expect(actions.filter((action) => action.includes('*') || action === 'iam:PassRole')).toEqual([]);
    }
  });
});
