/**
 * Builds the stacks the way bin/app.ts does (cdk.json's feature flags, the
 * config from context, lib/awssec-app.ts), without esbuild:
 * `aws:cdk:bundling-stacks: []` makes the functions skip bundling, so these
 * tests take milliseconds.
 */
import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addAwssecStacks } from '../../lib/awssec-app.ts';
import type { AwssecIamMfaStack } from '../../lib/awssec-iam-mfa-stack.ts';
import { readConfig } from '../../lib/config.ts';
import type { RegionalForwardingStack } from '../../lib/regional-forwarding-stack.ts';

/** The feature flags and settings of cdk.json, so the tests see the template `cdk synth` makes. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export interface Built {
  readonly app: App;
  /** The main stack, in us-east-1, and its template. */
  readonly stack: AwssecIamMfaStack;
  readonly template: Template;
  /** The forwarding stack of each configured region but us-east-1, by region. */
  readonly regional: ReadonlyMap<string, { stack: RegionalForwardingStack; template: Template }>;
}

const built = new Map<string, Built>();

/**
 * The stack for this context (as `-c key=value` would give it), unbundled.
 * Read-only: the same context gives the same (cached) stack, as synth is the slow part.
 */
export function buildStack(context: Record<string, unknown> = {}, options: { account?: string } = {}): Built {
  const key = JSON.stringify([context, options.account]);
  const cached = built.get(key);
  if (cached !== undefined) return cached;
  const app = new App({
    context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const config = readConfig((name) => app.node.tryGetContext(name));
  const { main, regional } = addAwssecStacks(app, config, options.account);
  const result = {
    app,
    stack: main,
    template: Template.fromStack(main),
    regional: new Map(
      regional.map((stack) => [stack.region, { stack, template: Template.fromStack(stack) }] as const),
    ),
  };
  built.set(key, result);
  return result;
}

const BOTH_SIGN_IN_SPELLINGS = ['AWS Console Sign In via CloudTrail', 'AWS Console Signin via CloudTrail'];
const IAM_CALLS = { source: ['aws.iam'], 'detail-type': ['AWS API Call via CloudTrail'] };

/**
 * The alerts function's rules' patterns, by rule id, written out as the
 * template must have them (both sign-in spellings): on us-east-1's buses and
 * in every forwarding stack.
 */
export const ALERT_PATTERNS: Record<string, unknown> = {
  ConsoleSignInWithoutMfaRule: {
    source: ['aws.signin'],
    'detail-type': BOTH_SIGN_IN_SPELLINGS,
    detail: {
      eventName: ['ConsoleLogin'],
      userIdentity: { type: ['IAMUser'] },
      responseElements: { ConsoleLogin: ['Success'] },
      additionalEventData: { MFAUsed: [{ 'anything-but': ['Yes'] }] },
    },
  },
  RootSignInRule: {
    source: ['aws.signin'],
    'detail-type': BOTH_SIGN_IN_SPELLINGS,
    detail: { eventName: ['ConsoleLogin'], userIdentity: { type: ['Root'] } },
  },
  MfaDeviceRemovedRule: {
    ...IAM_CALLS,
    detail: {
      eventSource: ['iam.amazonaws.com'],
      eventName: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'],
    },
  },
  MfaDeviceEnabledRule: {
    ...IAM_CALLS,
    detail: { eventSource: ['iam.amazonaws.com'], eventName: ['EnableMFADevice'] },
  },
  RequireMfaPolicyChangedRule: {
    ...IAM_CALLS,
    detail: {
      eventSource: ['iam.amazonaws.com'],
      eventName: [
        'CreatePolicyVersion',
        'SetDefaultPolicyVersion',
        'DeletePolicyVersion',
        'DeletePolicy',
        'DetachUserPolicy',
      ],
      requestParameters: { policyArn: [{ suffix: ':policy/RequireMFA' }] },
    },
  },
};

/** A token (an ARN, a name) as the template has it: `{ Ref: … }`, `{ 'Fn::GetAtt': … }`. */
export function cfn(stack: Stack, value: string): unknown {
  return stack.resolve(value);
}

/** The statements of the policy attached to a role, in order. */
export function roleStatements(
  built: Built,
  roleLogicalIdOf: (stack: AwssecIamMfaStack) => string,
): unknown[] {
  const roleId = roleLogicalIdOf(built.stack);
  const policies = Object.values(built.template.findResources('AWS::IAM::Policy')).filter(
    (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
  );
  if (policies.length !== 1)
    throw new Error(`expected one policy on role ${roleId}, found ${policies.length}`);
  return canonical(policies[0]?.Properties.PolicyDocument.Statement as unknown[]);
}

/**
 * Statements as IAM reads them, whatever order the CDK wrote them in: with
 * `@aws-cdk/aws-iam:minimizePolicies` the CDK sorts actions, so tests
 * compare action lists as sets (sorted), and a lone action as itself.
 */
export function canonical(statements: readonly unknown[]): unknown[] {
  return statements.map((statement) => {
    const s = statement as { Action?: unknown };
    return Array.isArray(s.Action) ? { ...s, Action: [...(s.Action as string[])].sort() } : statement;
  });
}

/** Every inline statement and managed policy that any role in the template has. */
export function allRoleStatements(built: Built): { Action: string | string[] }[] {
  const policies = Object.values(built.template.findResources('AWS::IAM::Policy'));
  const roles = Object.values(built.template.findResources('AWS::IAM::Role'));
  return [
    ...policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement),
    ...roles.flatMap((role) =>
      (role.Properties.Policies ?? []).flatMap(
        (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
      ),
    ),
  ];
}

/** The logical id of an L2 construct's CloudFormation resource (a Role's AWS::IAM::Role). */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** The report's account-wide reads, as the nightly role and the member audit role hold them (no resource to name). */
export const READ_ACCOUNT_REPORTS = {
  Sid: 'ReadAccountReports',
  Effect: 'Allow',
  Action: [
    'iam:GenerateCredentialReport',
    'iam:GetCredentialReport',
    'iam:GetAccountAuthorizationDetails',
    'iam:ListVirtualMFADevices',
    'iam:GetAccountSummary',
  ],
  Resource: '*',
};
