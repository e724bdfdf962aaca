/**
 * Organization mode: the StackSet the main stack creates, the member stack
 * it installs (its roles statement by statement and under the IAM policy
 * evaluator, its forwarding rules), the central bus that takes the
 * organization's events, and single-account mode left exactly as it was.
 */
import path from 'node:path';
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, BootstraplessSynthesizer } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXEMPTION_TAG } from '../../lambdas/core/assessment.ts';
import { addAwssecStacks } from '../../lib/awssec-app.ts';
import { ConfigError, DEFAULT_CONFIG, DEFAULT_REGIONS, readConfig } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';
import { AwssecIamMfaMemberStack } from '../../lib/member-stack.ts';
import {
  ALERT_PATTERNS,
  type Built,
  buildStack,
  CDK_JSON_CONTEXT,
  canonical,
  cfn,
  logicalIdOf,
  READ_ACCOUNT_REPORTS,
  roleStatements,
} from './support.ts';

const CENTRAL = '111111111111';
const MEMBER = '222222222222';
const ORG_ID = 'o-a1b2c3d4e5';
const ORG = { organization: 'true', organizationId: ORG_ID, targetOus: 'r-ab12' };
const SENDER = 'security@example.com';

const orgStack = (context: Record<string, unknown> = {}): Built =>
  buildStack({ ...ORG, ...context }, { account: CENTRAL });

function memberOf(built: Built): { stack: AwssecIamMfaMemberStack; template: Template; body: string } {
  const organization = built.stack.organization;
  if (organization === undefined) throw new Error('not in organization mode');
  return {
    stack: organization.memberStack,
    template: Template.fromJSON(JSON.parse(organization.templateBody)),
    body: organization.templateBody,
  };
}

// The member template's ARNs are built at deployment, in each account.
const PARTITION = { Ref: 'AWS::Partition' };
const MEMBER_ACCOUNT = { Ref: 'AWS::AccountId' };
const USERS = { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::', MEMBER_ACCOUNT, ':user/*']] };
const REQUIRE_MFA = { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::', MEMBER_ACCOUNT, ':policy/RequireMFA']] };
const CENTRAL_BUS = {
  'Fn::Join': ['', ['arn:', PARTITION, `:events:us-east-1:${CENTRAL}:event-bus/awssec-iam-mfa-regions`]],
};

const USER_READS = [
  'iam:ListMFADevices',
  'iam:GetUser',
  'iam:GetLoginProfile',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
];
const readUsers = (extra: string[] = []) => ({
  Sid: 'ReadUsers',
  Effect: 'Allow',
  Action: [...USER_READS, ...extra],
  Resource: USERS,
});
const readRequireMfa = {
  Sid: 'ReadRequireMfaPolicy',
  Effect: 'Allow',
  Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
  Resource: REQUIRE_MFA,
};
const readOrCreateRequireMfa = {
  Sid: 'ReadOrCreateRequireMfaPolicy',
  Effect: 'Allow',
  Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:CreatePolicy'],
  Resource: REQUIRE_MFA,
};
const attachRequireMfaOnly = {
  Sid: 'AttachRequireMfaOnly',
  Effect: 'Allow',
  Action: 'iam:AttachUserPolicy',
  Resource: USERS,
  Condition: { ArnEquals: { 'iam:PolicyARN': REQUIRE_MFA } },
};
const ENFORCEMENT_TAGS = [
  'awssec:mfa-enforced-at',
  'awssec:mfa-disabled-keys',
  'awssec:mfa-console-removed',
  'awssec:mfa-policy-attached-at',
];
const tagUsers = (applies: boolean) => ({
  Sid: 'TagUsers',
  Effect: 'Allow',
  Action: 'iam:TagUser',
  Resource: USERS,
  Condition: {
    'ForAllValues:StringEquals': {
      'aws:TagKeys': ['awssec:mfa-warned-at', ...(applies ? ENFORCEMENT_TAGS : [])],
    },
    Null: { 'aws:TagKeys': 'false' },
  },
});

type RoleResource = {
  Properties: {
    RoleName: string;
    AssumeRolePolicyDocument: { Statement: unknown[] };
    Policies: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[];
  };
  Condition?: string;
};

function memberRole(template: Template, name: string): RoleResource {
  const roles = Object.values(template.findResources('AWS::IAM::Role', { Properties: { RoleName: name } }));
  if (roles.length !== 1) throw new Error(`expected one role ${name}, found ${roles.length}`);
  return roles[0] as RoleResource;
}

function memberStatements(template: Template, name: string): unknown[] {
  const { Policies } = memberRole(template, name).Properties;
  expect(Policies.map((policy) => policy.PolicyName)).toEqual([name]);
  return canonical(Policies[0]?.PolicyDocument.Statement ?? []);
}

// The first org-mode build loads the most: in a hook, it has the hook's time.
beforeAll(() => {
  orgStack();
}, 60_000);

describe('single-account mode', () => {
  it('is the default, and organization=false gives the very same templates', () => {
    const plain = buildStack();
    const off = buildStack({ organization: 'false' });
    expect(off.template.toJSON()).toEqual(plain.template.toJSON());
    for (const [region, { template }] of plain.regional) {
      expect(off.regional.get(region)?.template.toJSON()).toEqual(template.toJSON());
    }
    expect(plain.stack.organization).toBeUndefined();
  });

  it.each([
    [{}, undefined],
    [{}, CENTRAL],
    [{ regions: 'us-east-1' }, CENTRAL],
    [{ mode: 'enforce', apply: 'true', senderEmail: SENDER }, CENTRAL],
  ])('has nothing of organization mode (context %o, account %s)', (context, account) => {
    const built = buildStack(context, account === undefined ? {} : { account });
    const text = JSON.stringify(built.template.toJSON());
    built.template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    const markers = [
      'PrincipalOrgID',
      'ResourceOrgID',
      'AwssecIamMfaCentral',
      'role/AwssecIamMfa',
      'member account',
      'MemberStackSet',
    ];
    expect(markers.filter((marker) => text.includes(marker))).toEqual([]);
    for (const role of Object.values(built.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.RoleName).toBeUndefined();
    }
    expect(
      Object.keys(built.template.findResources('AWS::Events::Rule')).filter((id) =>
        id.includes('ForwardedCreateUser'),
      ),
    ).toEqual([]);
  });
});

describe('organization mode needs', () => {
  it("the stack's account, named in the member roles' trust", () => {
    const build = () => {
      const app = new App({ context: { ...CDK_JSON_CONTEXT, ...ORG, 'aws:cdk:bundling-stacks': [] } });
      return addAwssecStacks(
        app,
        readConfig((key) => app.node.tryGetContext(key)),
        undefined,
      );
    };
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      "context organization: organization mode names this stack's account in the member roles' trust and the StackSet: deploy with credentials for that account (the CDK then sets CDK_DEFAULT_ACCOUNT), e.g. --profile",
    );
  });
});

describe('the StackSet', () => {
  it('is service-managed, deploys itself to new accounts, and installs in the target OUs but this account, in us-east-1 and every region', () => {
    const built = orgStack();
    built.template.resourceCountIs('AWS::CloudFormation::StackSet', 1);
    const [stackSet] = Object.values(built.template.findResources('AWS::CloudFormation::StackSet'));
    const { TemplateBody, ...properties } = stackSet?.Properties ?? {};
    expect(properties).toEqual({
      StackSetName: 'awssec-iam-mfa-member',
      Description: expect.stringMatching(/^awssec iam-mfa: the member roles/),
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      ManagedExecution: { Active: true },
      OperationPreferences: {
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 10,
        FailureTolerancePercentage: 10,
      },
      StackInstancesGroup: [
        {
          DeploymentTargets: {
            OrganizationalUnitIds: ['r-ab12'],
            Accounts: [CENTRAL],
            AccountFilterType: 'DIFFERENCE',
          },
          Regions: DEFAULT_REGIONS,
        },
      ],
    });
    expect(TemplateBody).toBe(built.stack.organization?.templateBody);
    // The member rules' target first.
    expect(stackSet?.DependsOn).toEqual([logicalIdOf(built.stack, built.stack.regionsBus as never)]);
    built.template.hasOutput('MemberStackSetName', { Value: 'awssec-iam-mfa-member' });
  });

  it('takes the OUs given, and us-east-1 first whatever regions lists', () => {
    const built = orgStack({ targetOus: 'ou-ab12-cdefgh34,ou-ab12-ijklmn56', regions: 'eu-west-1' });
    built.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [
        {
          DeploymentTargets: Match.objectLike({
            OrganizationalUnitIds: ['ou-ab12-cdefgh34', 'ou-ab12-ijklmn56'],
          }),
          Regions: ['us-east-1', 'eu-west-1'],
        },
      ],
    });
    const alone = orgStack({ regions: 'us-east-1' });
    alone.template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [Match.objectLike({ Regions: ['us-east-1'] })],
    });
    // No other region, but the organization's events still arrive on the bus.
    expect(alone.stack.regionsBus).toBeDefined();
    expect(alone.regional.size).toBe(0);
  });

  it('carries an asset-free template inline, well under the TemplateBody limit, with nothing of the CDK in it', () => {
    // Path metadata asked for, as the CDK CLI does: the member template still has none.
    const built = orgStack({ 'aws:cdk:enable-path-metadata': true });
    const { stack, body } = memberOf(built);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(51_200);
    const template = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(template).sort()).toEqual(['Conditions', 'Description', 'Resources']);
    expect(body).not.toMatch(/AWS::CDK::Metadata|aws:cdk|BootstrapVersion|cdk-hnb659fds|AssetParameters/);
    const types = Object.values(template.Resources as Record<string, { Type: string; Metadata?: unknown }>);
    expect(types.every((resource) => resource.Metadata === undefined)).toBe(true);
    expect(types.map((resource) => resource.Type).sort()).toEqual([
      ...Array<string>(6).fill('AWS::Events::Rule'),
      'AWS::IAM::Policy',
      ...Array<string>(4).fill('AWS::IAM::Role'),
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
    expect(stack.synthesizer).toBeInstanceOf(BootstraplessSynthesizer);
    const again = new AwssecIamMfaMemberStack(new App(), 'AwssecIamMfaMember', {
      config: built.stack.organization?.memberStack.config ?? DEFAULT_CONFIG,
      centralAccount: CENTRAL,
    });
    expect(() => new Asset(again, 'Sneaked', { path: path.join(PROJECT_ROOT, 'lambdas/alerts') })).toThrow(
      'Cannot add assets to a Stack that uses the BootstraplessSynthesizer',
    );
    // And it is not one of the stacks `cdk deploy --all` would deploy.
    expect(built.app.node.findAll().some((construct) => construct === stack)).toBe(false);
  });
});

describe('the member roles', () => {
  /** The trust in the central functions' roles: the account as principal, the roles by ARN, from the organization. */
  const trust = (...centralRoles: string[]) => {
    const arns = centralRoles.map((role) => ({
      'Fn::Join': ['', ['arn:', PARTITION, `:iam::${CENTRAL}:role/${role}`]],
    }));
    return [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', PARTITION, `:iam::${CENTRAL}:root`]] } },
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': arns.length === 1 ? arns[0] : arns },
          StringEquals: { 'aws:PrincipalOrgID': ORG_ID },
        },
      },
    ];
  };

  it.each([
    ['AwssecIamMfaAudit', ['AwssecIamMfaCentralNightly', 'AwssecIamMfaCentralAlerts']],
    ['AwssecIamMfaEnforce', ['AwssecIamMfaCentralNightly']],
    ['AwssecIamMfaOnboarding', ['AwssecIamMfaCentralOnboarding']],
  ])(
    '%s: trusts only %j of the central account, from this organization, and exists in us-east-1 only',
    (name, central) => {
      const { template } = memberOf(orgStack());
      const role = memberRole(template, name);
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual(trust(...central));
      expect(role.Condition).toBe('InIamEventsRegion');
      expect(template.toJSON().Conditions).toEqual({
        InIamEventsRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
      });
      expect(Object.keys(role.Properties).sort()).toEqual([
        'AssumeRolePolicyDocument',
        'Description',
        'Policies',
        'RoleName',
      ]);
    },
  );

  it('also trusts the roles people run report --org and enforce --org with, each for its own role, from this organization', () => {
    const auditor = 'arn:aws:iam::222222222222:role/team/SecurityAudit';
    const enforcer = 'arn:aws:iam::111111111111:role/SecurityAdmin';
    const { template } = memberOf(orgStack({ auditOperatorRoles: auditor, enforceOperatorRoles: enforcer }));
    const operator = (account: string, arn: string) => ({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', PARTITION, `:iam::${account}:root`]] } },
      Condition: { ArnEquals: { 'aws:PrincipalArn': arn }, StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
    });
    expect(memberRole(template, 'AwssecIamMfaAudit').Properties.AssumeRolePolicyDocument.Statement).toEqual([
      ...trust('AwssecIamMfaCentralNightly', 'AwssecIamMfaCentralAlerts'),
      operator('222222222222', auditor),
    ]);
    expect(memberRole(template, 'AwssecIamMfaEnforce').Properties.AssumeRolePolicyDocument.Statement).toEqual(
      [...trust('AwssecIamMfaCentralNightly'), operator('111111111111', enforcer)],
    );
    expect(
      memberRole(template, 'AwssecIamMfaOnboarding').Properties.AssumeRolePolicyDocument.Statement,
    ).toEqual(trust('AwssecIamMfaCentralOnboarding'));
  });

  it("the central functions' roles have those names", () => {
    const built = orgStack();
    const names = Object.values(built.template.findResources('AWS::IAM::Role')).map(
      (role) => role.Properties.RoleName,
    );
    // The others (the state machine's steps and its roles) are named by CloudFormation.
    expect(names.filter((name) => name !== undefined)).toEqual([
      'AwssecIamMfaCentralOnboarding',
      'AwssecIamMfaCentralNightly',
      'AwssecIamMfaCentralAlerts',
    ]);
  });

  it("AwssecIamMfaAudit: the bulk report's reads, scoped as the nightly role's in report mode, whatever the mode", () => {
    for (const context of [
      {},
      { mode: 'enforce', apply: 'true', disableConsoleAccess: 'true', senderEmail: SENDER },
    ]) {
      expect(memberStatements(memberOf(orgStack(context)).template, 'AwssecIamMfaAudit')).toEqual(
        canonical([READ_ACCOUNT_REPORTS, readUsers(), readRequireMfa]),
      );
    }
  });

  it("AwssecIamMfaOnboarding: exactly onboarding's IAM calls, attaching RequireMFA only, in every mode", () => {
    for (const context of [{}, { mode: 'warn', senderEmail: SENDER }]) {
      expect(memberStatements(memberOf(orgStack(context)).template, 'AwssecIamMfaOnboarding')).toEqual(
        canonical([
          { Sid: 'ReadNewUser', Effect: 'Allow', Action: 'iam:GetUser', Resource: USERS },
          attachRequireMfaOnly,
          {
            Sid: 'ReadOrCreateRequireMfaPolicy',
            Effect: 'Allow',
            Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:CreatePolicy'],
            Resource: REQUIRE_MFA,
          },
        ]),
      );
    }
  });

  it.each([
    [
      'report mode: the plan reads only',
      {},
      [READ_ACCOUNT_REPORTS, readUsers(['iam:ListAttachedUserPolicies']), readRequireMfa],
    ],
    [
      'report mode, apply: still no write',
      { apply: 'true', disableConsoleAccess: 'true' },
      [READ_ACCOUNT_REPORTS, readUsers(['iam:ListAttachedUserPolicies']), readRequireMfa],
    ],
    [
      'warn mode: the warning tag',
      { mode: 'warn', senderEmail: SENDER },
      [READ_ACCOUNT_REPORTS, readUsers(['iam:ListAttachedUserPolicies']), readRequireMfa, tagUsers(false)],
    ],
    [
      'enforce mode, dry run: the warning tag, no write',
      { mode: 'enforce', senderEmail: SENDER },
      [READ_ACCOUNT_REPORTS, readUsers(['iam:ListAttachedUserPolicies']), readRequireMfa, tagUsers(false)],
    ],
    [
      'enforce mode with apply: the writes, under their conditions, passwords kept',
      { mode: 'enforce', apply: 'true', senderEmail: SENDER },
      [
        READ_ACCOUNT_REPORTS,
        readUsers(['iam:ListAttachedUserPolicies']),
        readOrCreateRequireMfa,
        tagUsers(true),
        { Sid: 'EnforceOnUsers', Effect: 'Allow', Action: 'iam:UpdateAccessKey', Resource: USERS },
        attachRequireMfaOnly,
      ],
    ],
    [
      'enforce mode with apply and disableConsoleAccess: also DeleteLoginProfile',
      { mode: 'enforce', apply: 'true', disableConsoleAccess: 'true', senderEmail: SENDER },
      [
        READ_ACCOUNT_REPORTS,
        readUsers(['iam:ListAttachedUserPolicies']),
        readOrCreateRequireMfa,
        tagUsers(true),
        {
          Sid: 'EnforceOnUsers',
          Effect: 'Allow',
          Action: ['iam:UpdateAccessKey', 'iam:DeleteLoginProfile'],
          Resource: USERS,
        },
        attachRequireMfaOnly,
      ],
    ],
  ])('AwssecIamMfaEnforce, %s', (_, context, expected) => {
    expect(memberStatements(memberOf(orgStack(context)).template, 'AwssecIamMfaEnforce')).toEqual(
      canonical(expected),
    );
  });
});

/** A member template value with the account and partition it gets in member account 222222222222. */
function inMember(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inMember);
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Record<string, unknown>;
  if (node.Ref === 'AWS::Partition') return 'aws';
  if (node.Ref === 'AWS::AccountId') return MEMBER;
  const join = node['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) return join[1].map(inMember).join(join[0]);
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, inMember(item)]));
}

const NIGHTLY = `arn:aws:iam::${CENTRAL}:role/AwssecIamMfaCentralNightly`;
const USER = `arn:aws:iam::${MEMBER}:user/bob`;
const MEMBER_REQUIRE_MFA = `arn:aws:iam::${MEMBER}:policy/RequireMFA`;

async function evaluate(simulation: Parameters<typeof runSimulation>[0]): Promise<EvaluationResult> {
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(`not evaluated: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** The evaluator's decision on a request made through AwssecIamMfaEnforce in the member account. */
async function asEnforceRole(
  context: Record<string, unknown>,
  request: { action: string; resource: string; context?: Record<string, string | string[]> },
): Promise<EvaluationResult> {
  const role = memberRole(memberOf(orgStack(context)).template, 'AwssecIamMfaEnforce');
  return evaluate({
    request: {
      principal: `arn:aws:sts::${MEMBER}:assumed-role/AwssecIamMfaEnforce/nightly`,
      action: request.action,
      resource: { resource: request.resource, accountId: MEMBER },
      contextVariables: {
        'aws:PrincipalAccount': MEMBER,
        'aws:PrincipalOrgID': ORG_ID,
        ...request.context,
      },
    },
    identityPolicies: role.Properties.Policies.map((policy) => ({
      name: policy.PolicyName,
      policy: inMember(policy.PolicyDocument),
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  });
}

const attach = (policyArn: string) => ({
  action: 'iam:AttachUserPolicy',
  resource: USER,
  context: { 'iam:PolicyARN': policyArn },
});
const tag = (keys: string[]) => ({ action: 'iam:TagUser', resource: USER, context: { 'aws:TagKeys': keys } });
const APPLYING = { mode: 'enforce', apply: 'true', senderEmail: SENDER };
const DRY_RUN = { mode: 'enforce', senderEmail: SENDER };

describe('AwssecIamMfaEnforce under the IAM policy evaluator', () => {
  it.each<[string, Record<string, unknown>, { action: string; resource: string }, EvaluationResult]>([
    ['dry run: reads a user', DRY_RUN, { action: 'iam:ListAttachedUserPolicies', resource: USER }, 'Allowed'],
    ['dry run: records a warning', DRY_RUN, tag(['awssec:mfa-warned-at']), 'Allowed'],
    [
      'dry run: cannot disable a key',
      DRY_RUN,
      { action: 'iam:UpdateAccessKey', resource: USER },
      'ImplicitlyDenied',
    ],
    ['dry run: cannot attach RequireMFA', DRY_RUN, attach(MEMBER_REQUIRE_MFA), 'ImplicitlyDenied'],
    [
      'dry run: cannot delete a password',
      DRY_RUN,
      { action: 'iam:DeleteLoginProfile', resource: USER },
      'ImplicitlyDenied',
    ],
    [
      'dry run: cannot create RequireMFA',
      DRY_RUN,
      { action: 'iam:CreatePolicy', resource: MEMBER_REQUIRE_MFA },
      'ImplicitlyDenied',
    ],
    ['dry run: cannot record an enforcement', DRY_RUN, tag(['awssec:mfa-enforced-at']), 'ImplicitlyDenied'],
    ['report mode: cannot even warn', {}, tag(['awssec:mfa-warned-at']), 'ImplicitlyDenied'],
    ['apply: disables a key', APPLYING, { action: 'iam:UpdateAccessKey', resource: USER }, 'Allowed'],
    ['apply: attaches RequireMFA', APPLYING, attach(MEMBER_REQUIRE_MFA), 'Allowed'],
    ['apply: records an enforcement', APPLYING, tag(['awssec:mfa-enforced-at']), 'Allowed'],
    [
      'apply: creates RequireMFA',
      APPLYING,
      { action: 'iam:CreatePolicy', resource: MEMBER_REQUIRE_MFA },
      'Allowed',
    ],
    [
      'apply: cannot attach AdministratorAccess',
      APPLYING,
      attach('arn:aws:iam::aws:policy/AdministratorAccess'),
      'ImplicitlyDenied',
    ],
    [
      'apply: cannot attach another customer policy',
      APPLYING,
      attach(`arn:aws:iam::${MEMBER}:policy/Other`),
      'ImplicitlyDenied',
    ],
    ['apply: cannot tag a user exempt', APPLYING, tag([EXEMPTION_TAG]), 'ImplicitlyDenied'],
    [
      'apply: cannot tag a user exempt beside a record tag',
      APPLYING,
      tag(['awssec:mfa-enforced-at', EXEMPTION_TAG]),
      'ImplicitlyDenied',
    ],
    [
      'apply: cannot tag without naming the keys',
      APPLYING,
      { action: 'iam:TagUser', resource: USER },
      'ImplicitlyDenied',
    ],
    [
      'apply: cannot delete a password without disableConsoleAccess',
      APPLYING,
      { action: 'iam:DeleteLoginProfile', resource: USER },
      'ImplicitlyDenied',
    ],
    [
      'apply: cannot write a RequireMFA version',
      APPLYING,
      { action: 'iam:CreatePolicyVersion', resource: MEMBER_REQUIRE_MFA },
      'ImplicitlyDenied',
    ],
    [
      'apply: cannot detach RequireMFA',
      APPLYING,
      { ...attach(MEMBER_REQUIRE_MFA), action: 'iam:DetachUserPolicy' },
      'ImplicitlyDenied',
    ],
    [
      'apply and disableConsoleAccess: deletes a password',
      { ...APPLYING, disableConsoleAccess: 'true' },
      { action: 'iam:DeleteLoginProfile', resource: USER },
      'Allowed',
    ],
  ])('%s', async (_, context, request, expected) => {
    expect(await asEnforceRole(context, request)).toBe(expected);
  });
});

describe('who may assume a member role, under the IAM policy evaluator', () => {
  const assume = async (principalArn: string, orgId: string) => {
    const role = memberRole(memberOf(orgStack()).template, 'AwssecIamMfaAudit');
    const account = principalArn.split(':')[4] ?? '';
    return evaluate({
      request: {
        principal: principalArn,
        action: 'sts:AssumeRole',
        resource: { resource: `arn:aws:iam::${MEMBER}:role/AwssecIamMfaAudit`, accountId: MEMBER },
        contextVariables: {
          'aws:PrincipalArn': principalArn,
          'aws:PrincipalAccount': account,
          'aws:PrincipalOrgID': orgId,
        },
      },
      identityPolicies: [
        {
          name: 'assume',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
          },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: inMember(role.Properties.AssumeRolePolicyDocument),
    });
  };

  it.each<[string, string, string, EvaluationResult]>([
    ['the central nightly role, in the organization', NIGHTLY, ORG_ID, 'Allowed'],
    [
      'the central nightly role, claimed from another organization',
      NIGHTLY,
      'o-zzzzzzzzzz',
      'ImplicitlyDenied',
    ],
    ['another role of the central account', `arn:aws:iam::${CENTRAL}:role/Admin`, ORG_ID, 'ImplicitlyDenied'],
    [
      'the central onboarding role',
      `arn:aws:iam::${CENTRAL}:role/AwssecIamMfaCentralOnboarding`,
      ORG_ID,
      'ImplicitlyDenied',
    ],
    [
      'a role of that name in another account',
      `arn:aws:iam::333333333333:role/AwssecIamMfaCentralNightly`,
      ORG_ID,
      'ImplicitlyDenied',
    ],
  ])('%s', async (_, principal, orgId, expected) => {
    expect(await assume(principal, orgId)).toBe(expected);
  });
});

describe('the member forwarding', () => {
  const CREATE_USER = {
    source: ['aws.iam'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateUser'] },
  };

  it("forwards CreateUser and the alert events, with the central rules' exact patterns, in every region", () => {
    const { stack, template } = memberOf(orgStack());
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(6);
    for (const [id, pattern] of Object.entries({ CreateUserRule: CREATE_USER, ...ALERT_PATTERNS })) {
      const [rule] = Object.entries(rules).filter(([logicalId]) => logicalId.startsWith(id));
      expect(rule?.[1].Properties.EventPattern).toEqual(pattern);
      expect(rule?.[1].Properties.Description).toMatch(
        new RegExp(`; forwarded to awssec-iam-mfa-regions in us-east-1 of the central account ${CENTRAL}$`),
      );
      expect(rule?.[1].Properties.EventBusName).toBeUndefined();
      expect(rule?.[1].Condition).toBeUndefined();
    }
    const role = {
      'Fn::GetAtt': [stack.getLogicalId(stack.forwardingRole.node.defaultChild as never), 'Arn'],
    };
    const queue = {
      'Fn::GetAtt': [stack.getLogicalId(stack.deadLetterQueue.node.defaultChild as never), 'Arn'],
    };
    for (const rule of Object.values(rules)) {
      expect(rule.Properties.Targets).toEqual([
        { Id: 'Target0', Arn: CENTRAL_BUS, RoleArn: role, DeadLetterConfig: { Arn: queue } },
      ]);
    }
  });

  it("through a role that may put events on the central bus and nothing else, failures to the member's own queue", () => {
    const { template } = memberOf(orgStack());
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
        ],
      },
      RoleName: Match.absent(),
      Policies: Match.absent(),
    });
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: CENTRAL_BUS }],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'awssec-iam-mfa-member-forwarding-dlq',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });
});

describe('the central account in organization mode', () => {
  const BUS = `arn:aws:events:us-east-1:${CENTRAL}:event-bus/awssec-iam-mfa-regions`;

  it("lets the organization's principals put events on the bus, and nobody else", () => {
    orgStack().template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'awssec-iam-mfa-regions',
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OrganizationPutsEvents',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: BUS,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
          },
          {
            Sid: 'OnlyThisOrganizationPutsEvents',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: BUS,
            Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG_ID } },
          },
        ],
      },
    });
  });

  it.each<[string, string, string | undefined, EvaluationResult]>([
    ["a member's forwarding role", `arn:aws:iam::${MEMBER}:role/forwarding`, ORG_ID, 'Allowed'],
    [
      "the central account's own regional forwarding",
      `arn:aws:iam::${CENTRAL}:role/forwarding`,
      ORG_ID,
      'Allowed',
    ],
    [
      'an account of another organization',
      'arn:aws:iam::444444444444:role/forwarding',
      'o-zzzzzzzzzz',
      'ExplicitlyDenied',
    ],
    [
      'an account in no organization',
      'arn:aws:iam::444444444444:role/forwarding',
      undefined,
      'ExplicitlyDenied',
    ],
  ])('the bus policy under the evaluator: %s', async (_, principal, orgId, expected) => {
    const [bus] = Object.values(orgStack().template.findResources('AWS::Events::EventBus'));
    const account = principal.split(':')[4] ?? '';
    const result = await evaluate({
      request: {
        principal,
        action: 'events:PutEvents',
        resource: { resource: BUS, accountId: CENTRAL },
        contextVariables: {
          'aws:PrincipalAccount': account,
          ...(orgId === undefined ? {} : { 'aws:PrincipalOrgID': orgId }),
        },
      },
      identityPolicies: [
        {
          name: 'put',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
          },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bus?.Properties.Policy,
    });
    expect(result).toBe(expected);
  });

  it("starts onboarding on the members' CreateUser, with its own dead-letter queue", () => {
    const built = orgStack();
    const onboarding = cfn(built.stack, built.stack.functions.onboarding.function.functionArn);
    const bus = cfn(built.stack, built.stack.regionsBus?.eventBusName ?? 'no bus');
    const rules = Object.values(built.template.findResources('AWS::Events::Rule')).filter(
      (rule) => JSON.stringify(rule.Properties.Targets[0].Arn) === JSON.stringify(onboarding),
    );
    expect(rules.map((rule) => [rule.Properties.EventBusName, rule.Properties.EventPattern])).toEqual([
      [
        undefined,
        {
          source: ['aws.iam'],
          'detail-type': ['AWS API Call via CloudTrail'],
          detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateUser'] },
        },
      ],
      [
        bus,
        {
          source: ['aws.iam'],
          'detail-type': ['AWS API Call via CloudTrail'],
          detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateUser'] },
        },
      ],
    ]);
    expect(rules[1]?.Properties.Description).toMatch(/, forwarded from a member account$/);
    expect(rules[1]?.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it.each([
    ['report mode: the audit role', {}, ['AwssecIamMfaAudit']],
    [
      'warn mode: and the enforce role, to tag',
      { mode: 'warn', senderEmail: SENDER },
      ['AwssecIamMfaAudit', 'AwssecIamMfaEnforce'],
    ],
    [
      'enforce mode',
      { mode: 'enforce', apply: 'true', senderEmail: SENDER },
      ['AwssecIamMfaAudit', 'AwssecIamMfaEnforce'],
    ],
  ])('the nightly role may assume the member roles of this organization only (%s)', (_, context, roles) => {
    const built = orgStack(context);
    const statements = roleStatements(built, (stack) => logicalIdOf(stack, stack.functions.nightly.role));
    const assume = statements.filter((statement) => JSON.stringify(statement).includes('sts:AssumeRole'));
    expect(assume).toEqual(
      [
        {
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: roles.map((name) => `arn:aws:iam::*:role/${name}`),
          Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
        },
      ].map((statement) =>
        statement.Resource.length === 1 ? { ...statement, Resource: statement.Resource[0] } : statement,
      ),
    );
  });

  it('the onboarding role may assume the member onboarding role of this organization only', () => {
    const built = orgStack();
    const statements = roleStatements(built, (stack) => logicalIdOf(stack, stack.functions.onboarding.role));
    expect(statements.filter((statement) => JSON.stringify(statement).includes('sts:AssumeRole'))).toEqual([
      {
        Sid: 'AssumeMemberOnboardingRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::*:role/AwssecIamMfaOnboarding',
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
      },
    ]);
    // Alerts count a member user's MFA devices: the audit role (reads only), nothing else.
    const alerts = roleStatements(built, (stack) => logicalIdOf(stack, stack.functions.alerts.role));
    expect(alerts.filter((statement) => JSON.stringify(statement).includes('sts:AssumeRole'))).toEqual([
      {
        Sid: 'AssumeMemberAuditRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::*:role/AwssecIamMfaAudit',
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } },
      },
    ]);
  });
});
