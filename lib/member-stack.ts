/**
 * What organization mode installs in each member account, through the main
 * stack's service-managed StackSet: in us-east-1 only (IAM is global) the
 * roles the central functions assume there, and in every region of
 * `regions` rules that forward the events onboarding and the alerts handle
 * to the central account's bus in us-east-1. One template for every
 * instance: a CloudFormation condition on the region keeps the roles to
 * us-east-1's. The stack holds no asset and no CDK metadata, so its template
 * goes into the StackSet inline and needs no bootstrap anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  App,
  Arn,
  ArnFormat,
  Aws,
  BootstraplessSynthesizer,
  CfnCondition,
  type CfnResource,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CENTRAL_ROLE_NAMES, IAM_EVENTS_REGION, MEMBER_ROLE_NAMES } from '../lambdas/function-contract.ts';
import type { AwssecConfig } from './config.ts';
import { ALERT_RULES, CREATE_USER_RULE } from './event-patterns.ts';
import {
  auditRolePermissions,
  enforceRolePermissions,
  iamResourcesOf,
  onboardingIamPermissions,
  type RolePermission,
} from './function-permissions.ts';
import { checkedStatements } from './nag.ts';
import { addForwarding, REGIONS_BUS_NAME, regionsBusArn } from './regional-forwarding-stack.ts';

export { CENTRAL_ROLE_NAMES, MEMBER_ROLE_NAMES };
export type MemberRole = keyof typeof MEMBER_ROLE_NAMES;

/**
 * Which central functions assume each member role: the nightly run reads and
 * enforces; alerts count a member user's MFA devices through the audit role.
 */
export const MEMBER_ROLE_TRUST: Readonly<Record<MemberRole, readonly (keyof typeof CENTRAL_ROLE_NAMES)[]>> = {
  audit: ['nightly', 'alerts'],
  enforce: ['nightly'],
  onboarding: ['onboarding'],
};

/** The StackSet's name, in the management account's (or delegated administrator's) list. */
export const MEMBER_STACK_SET_NAME = 'awssec-iam-mfa-member';

/** Each member instance's dead-letter queue: not the central regions' name, so the two never meet. */
export const MEMBER_FORWARDING_DLQ_NAME = 'awssec-iam-mfa-member-forwarding-dlq';

/** The regions of the StackSet's instances: us-east-1 (the roles, IAM's events) first, then the others of `regions`. */
export function memberRegions(config: AwssecConfig): readonly string[] {
  return [IAM_EVENTS_REGION, ...config.regions.filter((region) => region !== IAM_EVENTS_REGION)];
}

export interface AwssecIamMfaMemberStackProps extends StackProps {
  readonly config: AwssecConfig;
  /** The 12-digit account of the main stack: its functions' roles and its bus. */
  readonly centralAccount: string;
}

export class AwssecIamMfaMemberStack extends Stack {
  readonly config: AwssecConfig;
  readonly roles: Readonly<Record<MemberRole, Role>>;
  /** True in us-east-1 only: the roles' condition. */
  readonly inIamEventsRegion: CfnCondition;
  /** The central account's bus the rules forward to. */
  readonly centralBusArn: string;
  readonly forwardingRole: Role;
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[];

  constructor(scope: Construct, id: string, props: AwssecIamMfaMemberStackProps) {
    super(scope, id, {
      description: `awssec iam-mfa member account: the roles the central account ${props.centralAccount}'s functions assume, and the forwarding of IAM and sign-in events to it`,
      ...props,
      // No asset, no bootstrap version check, no CDK metadata: StackSets deploy the template as it is.
      synthesizer: new BootstraplessSynthesizer(),
      analyticsReporting: false,
    });
    const { config, centralAccount } = props;
    this.config = config;

    this.inIamEventsRegion = new CfnCondition(this, 'InIamEventsRegion', {
      expression: Fn.conditionEquals(Aws.REGION, IAM_EVENTS_REGION),
    });
    const resources = iamResourcesOf(this);
    const permissions: Record<MemberRole, RolePermission[]> = {
      audit: auditRolePermissions(resources),
      enforce: enforceRolePermissions(config, resources),
      onboarding: onboardingIamPermissions(resources),
    };
    const purposes: Record<MemberRole, string> = {
      audit: "the nightly run's reads of this account's IAM users (the bulk report)",
      enforce: `the nightly run's enforcement in this account (${config.mode} mode${config.mode === 'enforce' && config.apply ? ', applying' : ', no enforcement write'})`,
      onboarding: 'onboarding of a new user in this account: attaches RequireMFA',
    };
    this.roles = Object.fromEntries(
      (Object.keys(MEMBER_ROLE_NAMES) as MemberRole[]).map((name) => [
        name,
        this.memberRole(name, permissions[name], purposes[name], config, centralAccount),
      ]),
    ) as Record<MemberRole, Role>;

    this.centralBusArn = regionsBusArn(this, centralAccount);
    // The very patterns of the central rules, in every region: IAM's events reach EventBridge in
    // us-east-1 only, so elsewhere CreateUser and the IAM alert rules match nothing, which costs nothing.
    ({
      role: this.forwardingRole,
      deadLetterQueue: this.deadLetterQueue,
      rules: this.rules,
    } = addForwarding(this, {
      busId: 'CentralBus',
      busArn: this.centralBusArn,
      sender: "this account's",
      destination: `${REGIONS_BUS_NAME} in ${IAM_EVENTS_REGION} of the central account ${centralAccount}`,
      queueName: MEMBER_FORWARDING_DLQ_NAME,
      rules: [CREATE_USER_RULE, ...ALERT_RULES],
    }));
  }

  /**
   * A role the named central function assumes: its ARN (`aws:PrincipalArn`)
   * from this organization (`aws:PrincipalOrgID`), nobody else.
   */
  private memberRole(
    name: MemberRole,
    permissions: readonly RolePermission[],
    purpose: string,
    config: AwssecConfig,
    centralAccount: string,
  ): Role {
    const central = MEMBER_ROLE_TRUST[name].map((fn) => CENTRAL_ROLE_NAMES[fn]);
    const trusted = central.map((role) => `arn:${Aws.PARTITION}:iam::${centralAccount}:role/${role}`);
    const role = new Role(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}Role`, {
      roleName: MEMBER_ROLE_NAMES[name],
      description: `awssec iam-mfa: ${purpose}; assumed by ${central.join(' and ')} of account ${centralAccount}`,
      // The account as principal and the role's ARN as a condition: a role principal is pinned to
      // the role's internal id, so a central stack deleted and deployed again would lose the trust.
      assumedBy: new AccountPrincipal(centralAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': trusted.length === 1 ? trusted[0] : trusted },
        StringEquals: { 'aws:PrincipalOrgID': config.organizationId },
      }),
      // Inline, in the role itself: one resource for the region condition to keep to us-east-1.
      inlinePolicies: {
        [MEMBER_ROLE_NAMES[name]]: new PolicyDocument({ statements: permissions.map((p) => p.statement) }),
      },
    });
    // The people who run report --org or enforce --org, by their roles: each in its own account, of this organization.
    const operators = {
      audit: config.auditOperatorRoles,
      enforce: config.enforceOperatorRoles,
      onboarding: [],
    }[name];
    for (const arn of operators) {
      role.assumeRolePolicy?.addStatements(
        new PolicyStatement({
          actions: ['sts:AssumeRole'],
          principals: [new AccountPrincipal(Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).account ?? '')],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': arn },
            StringEquals: { 'aws:PrincipalOrgID': config.organizationId },
          },
        }),
      );
    }
    checkedStatements(role, role, permissions);
    // IAM is global: the roles exist once, in the us-east-1 instance.
    (role.node.defaultChild as CfnResource).cfnOptions.condition = this.inIamEventsRegion;
    return role;
  }
}

/**
 * The member stack's template, synthesized in an app of its own (so it is
 * not a stack `cdk deploy` would deploy) with the main app's settings, as
 * the compact JSON the StackSet takes as TemplateBody. `prepare` is given
 * the app before synth: bin/app.ts adds the cdk-nag checks there.
 */
export function synthesizeMemberStack(
  scope: Construct,
  props: AwssecIamMfaMemberStackProps,
  prepare?: (app: App) => void,
): { stack: AwssecIamMfaMemberStack; templateBody: string } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'awssec-member-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      context: scope.node.root.node.getAllContext(),
      // The template goes to other accounts as it is: no construct paths in it, whatever the CLI asks.
      postCliContext: { 'aws:cdk:enable-path-metadata': false },
    });
    const stack = new AwssecIamMfaMemberStack(app, 'AwssecIamMfaMember', props);
    prepare?.(app);
    const template = app.synth().getStackArtifact(stack.artifactId).template;
    return { stack, templateBody: JSON.stringify(template) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
