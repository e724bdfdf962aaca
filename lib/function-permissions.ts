/**
 * What each function's role may do, as explicit statements: no `*` action,
 * resources as narrow as IAM allows, and the nightly run's writes only in the
 * modes that make them (report: reads; warn: + tag and mail; enforce: + the
 * dry run's reads; apply: + the writes). The IAM action lists come from
 * lambdas/core/permissions.ts, the CLI's list of what it calls and why.
 */
import type { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ENFORCEMENT_TAGS } from '../lambdas/core/enforcement.ts';
import {
  actionsOf,
  BULK_REPORT_PERMISSIONS,
  ENFORCE_PERMISSIONS,
  ONBOARDING_PERMISSIONS,
  type PermissionScope,
  SECURITY_HUB_PERMISSIONS,
} from '../lambdas/core/permissions.ts';
import { REQUIRE_MFA_POLICY_NAME } from '../lambdas/core/policies.ts';
import { WARNED_TAG } from '../lambdas/core/warnings.ts';
import type { AwssecConfig } from './config.ts';

/** A statement for a function's role, and why any resource in it ends in a wildcard (cdk-nag IAM5). */
export interface RolePermission {
  readonly statement: PolicyStatement;
  /** Required when a resource contains `*`: the reason recorded with the cdk-nag acknowledgment. */
  readonly wildcardReason?: string;
}

/** The ARNs the statements name; tokens are fine. */
export interface PermissionResources {
  /** `arn:PARTITION:iam::ACCOUNT:user/*` */
  readonly users: string;
  /** `arn:PARTITION:iam::ACCOUNT:policy/RequireMFA` */
  readonly requireMfaPolicy: string;
  /** `arn:PARTITION:ses:REGION:ACCOUNT:identity/*` */
  readonly sesIdentities: string;
  /** The report bucket's objects under `reports/`. */
  readonly reportObjects: string;
  /** The report bucket itself. */
  readonly reportBucket: string;
  /** The report bucket's objects under `records/`: the records of users at IAM's tag quota. */
  readonly recordObjects: string;
  readonly topic: string;
  readonly topicKey: string;
  /** `sns.REGION.amazonaws.com`: the topic key is usable only through SNS. */
  readonly snsService: string;
  readonly alertTable: string;
  /** `arn:PARTITION:securityhub:REGION:ACCOUNT:hub/default` */
  readonly securityHub: string;
  /** `arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`: the account's own product. */
  readonly securityHubProduct: string;
  /**
   * Organization mode: each member role's ARN in any account
   * (`arn:PARTITION:iam::*:role/AwssecIamMfaAudit`), which the central
   * functions may assume in the organization's accounts only.
   */
  readonly memberRoles?: Readonly<Record<'audit' | 'enforce' | 'onboarding', string>> | undefined;
}

/** The IAM ARNs alone: a member account's roles name these and nothing else. */
export type IamResources = Pick<PermissionResources, 'users' | 'requireMfaPolicy'>;

/** The stack's account's users and RequireMFA policy (a token account when the stack names none). */
export function iamResourcesOf(stack: Stack): IamResources {
  return {
    users: stack.formatArn({ service: 'iam', region: '', resource: 'user', resourceName: '*' }),
    requireMfaPolicy: stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'policy',
      resourceName: REQUIRE_MFA_POLICY_NAME,
    }),
  };
}

const actionsOn = (scope: PermissionScope): ReadonlySet<string> =>
  new Set(ENFORCE_PERMISSIONS.filter((permission) => permission.on === scope).map((p) => p.action));

/**
 * IAM actions that take no resource ARN (the Service Authorization Reference
 * lists no resource type for them), so `Resource: '*'` is the only form.
 */
const ACCOUNT_LEVEL_IAM_ACTIONS: ReadonlySet<string> = actionsOn('account');

/** Actions on the RequireMFA managed policy itself, scoped to its ARN. */
const REQUIRE_MFA_POLICY_ACTIONS: ReadonlySet<string> = actionsOn('require-mfa-policy');

/** Enforcement's writes: granted only with `apply: true` (a dry run cannot change anything). */
const ENFORCEMENT_WRITES: ReadonlySet<string> = new Set([
  'iam:CreatePolicy',
  'iam:UpdateAccessKey',
  'iam:AttachUserPolicy',
  'iam:DeleteLoginProfile',
]);

const TAG_USER = 'iam:TagUser';
const ATTACH_USER_POLICY = 'iam:AttachUserPolicy';
const DELETE_LOGIN_PROFILE = 'iam:DeleteLoginProfile';

const USERS_REASON = 'user/*: IAM users are created after deployment, so none can be named in advance';
const ACCOUNT_LEVEL_REASON =
  'Resource * only for iam:GenerateCredentialReport, GetCredentialReport, GetAccountAuthorizationDetails, ListVirtualMFADevices and GetAccountSummary, which support no resource-level permission';

function allow(
  sid: string,
  actions: readonly string[],
  resources: readonly string[],
  conditions?: Record<string, Record<string, unknown>>,
): PolicyStatement {
  return new PolicyStatement({
    sid,
    effect: Effect.ALLOW,
    actions: [...actions],
    resources: [...resources],
    ...(conditions === undefined ? {} : { conditions }),
  });
}

/** AttachUserPolicy, for the RequireMFA policy and no other. */
function attachRequireMfaOnly(r: IamResources): RolePermission {
  return {
    statement: allow('AttachRequireMfaOnly', [ATTACH_USER_POLICY], [r.users], {
      ArnEquals: { 'iam:PolicyARN': r.requireMfaPolicy },
    }),
    wildcardReason: `${USERS_REASON}; the condition iam:PolicyARN allows attaching the RequireMFA policy and no other`,
  };
}

/** SendEmail as the configured sender only (`ses:FromAddress`); identity/* because SES's sandbox also authorizes each recipient. */
function sendMailAsSender(config: AwssecConfig, r: PermissionResources): RolePermission[] {
  if (config.senderEmail === '') return [];
  return [
    {
      statement: allow('SendMailAsSender', ['ses:SendEmail'], [r.sesIdentities], {
        StringEquals: { 'ses:FromAddress': config.senderEmail },
      }),
      wildcardReason:
        'identity/*: SES authorizes the sending identity (the address or its domain) and, in the sandbox, each recipient identity; the condition ses:FromAddress allows only the configured sender',
    },
  ];
}

/** Publish to the security topic, with the key actions SNS needs to encrypt the message, only through SNS. */
function publishToTopic(sid: string, r: PermissionResources): RolePermission[] {
  return [
    { statement: allow(sid, ['sns:Publish'], [r.topic]) },
    {
      statement: allow('UseTopicKeyThroughSns', ['kms:GenerateDataKey', 'kms:Decrypt'], [r.topicKey], {
        StringEquals: { 'kms:ViaService': r.snsService },
      }),
    },
  ];
}

/**
 * Onboarding's IAM calls (ONBOARDING_PERMISSIONS): read the new user, attach
 * RequireMFA only, read or create that policy. The central function's role
 * has them for its own account; the member role AwssecIamMfaOnboarding for
 * its account.
 */
export function onboardingIamPermissions(r: IamResources): RolePermission[] {
  const on = (scope: PermissionScope, condition?: 'require-mfa-policy') =>
    actionsOf(
      ONBOARDING_PERMISSIONS.filter((permission) => permission.on === scope && permission.only === condition),
    );
  return [
    {
      statement: allow('ReadNewUser', on('users'), [r.users]),
      wildcardReason: `${USERS_REASON}; GetUser is read-only`,
    },
    attachRequireMfaOnly(r),
    { statement: allow('ReadOrCreateRequireMfaPolicy', on('require-mfa-policy'), [r.requireMfaPolicy]) },
  ];
}

/**
 * AssumeRole on member roles, in accounts of this organization only
 * (`aws:ResourceOrgID`): the accounts are the organization's, which change
 * after deployment, so the ARNs name every account.
 */
function assumeMemberRoles(config: AwssecConfig, sid: string, roleArns: readonly string[]): RolePermission {
  return {
    statement: allow(sid, ['sts:AssumeRole'], roleArns, {
      StringEquals: { 'aws:ResourceOrgID': config.organizationId },
    }),
    wildcardReason:
      "iam::*:role/NAME: the member role of that name in whichever account of the organization (accounts join after deployment); the condition aws:ResourceOrgID allows this organization's accounts only",
  };
}

/**
 * Onboarding: read the new user, attach RequireMFA (creating the policy on
 * first need), mail the steps; in organization mode, assume a member
 * account's onboarding role to do the same there.
 */
export function onboardingPermissions(config: AwssecConfig, r: PermissionResources): RolePermission[] {
  return [
    ...onboardingIamPermissions(r),
    ...sendMailAsSender(config, r),
    ...(r.memberRoles === undefined
      ? []
      : [assumeMemberRoles(config, 'AssumeMemberOnboardingRole', [r.memberRoles.onboarding])]),
  ];
}

/**
 * Alerts: claim the alert in the table (conditional write), count a user's
 * MFA devices, publish to the topic; in organization mode, count a member
 * user's devices through that account's audit role.
 */
export function alertsPermissions(config: AwssecConfig, r: PermissionResources): RolePermission[] {
  return [
    { statement: allow('ClaimAlert', ['dynamodb:PutItem'], [r.alertTable]) },
    {
      statement: allow('CountMfaDevices', ['iam:ListMFADevices'], [r.users]),
      wildcardReason: `${USERS_REASON}; ListMFADevices is read-only, called when a user enabled an MFA device, to see whether it is their only one`,
    },
    ...publishToTopic('PublishAlert', r),
    ...(r.memberRoles === undefined
      ? []
      : [assumeMemberRoles(config, 'AssumeMemberAuditRole', [r.memberRoles.audit])]),
  ];
}

/** What the nightly run does in the modes the config sets. */
interface NightlyScope {
  readonly warns: boolean;
  readonly enforces: boolean;
  readonly applies: boolean;
}

function nightlyScope(config: AwssecConfig): NightlyScope {
  const enforces = config.mode === 'enforce';
  return { warns: config.mode === 'warn' || enforces, enforces, applies: enforces && config.apply };
}

const reportActions = (): string[] => actionsOf(BULK_REPORT_PERMISSIONS);
const enforceOnlyActions = (): string[] =>
  actionsOf(ENFORCE_PERMISSIONS).filter((action) => !reportActions().includes(action));

/** The bulk report's reads; in enforce mode the plan's reads too, and with apply creating RequireMFA. */
function reportReads(r: IamResources, { enforces, applies }: NightlyScope): RolePermission[] {
  const enforceActions = enforceOnlyActions();
  const enforceUserReads = enforceActions.filter(
    (action) =>
      !REQUIRE_MFA_POLICY_ACTIONS.has(action) && !ENFORCEMENT_WRITES.has(action) && action !== TAG_USER,
  );
  const policyActions = enforceActions.filter((action) => REQUIRE_MFA_POLICY_ACTIONS.has(action));
  const reads = reportActions();
  return [
    {
      statement: allow(
        'ReadAccountReports',
        reads.filter((action) => ACCOUNT_LEVEL_IAM_ACTIONS.has(action)),
        ['*'],
      ),
      wildcardReason: ACCOUNT_LEVEL_REASON,
    },
    {
      statement: allow(
        'ReadUsers',
        [
          ...reads.filter(
            (action) => !ACCOUNT_LEVEL_IAM_ACTIONS.has(action) && !REQUIRE_MFA_POLICY_ACTIONS.has(action),
          ),
          ...(enforces ? enforceUserReads : []),
        ],
        [r.users],
      ),
      wildcardReason: `${USERS_REASON}; these actions are read-only`,
    },
    {
      // Every night checks that RequireMFA is the canonical document; with apply it may create it.
      statement: allow(
        applies ? 'ReadOrCreateRequireMfaPolicy' : 'ReadRequireMfaPolicy',
        [
          ...reads.filter((action) => REQUIRE_MFA_POLICY_ACTIONS.has(action)),
          ...(applies ? policyActions.filter((action) => ENFORCEMENT_WRITES.has(action)) : []),
        ],
        [r.requireMfaPolicy],
      ),
    },
  ];
}

/** Only the tags the run records (the warning; with apply, what enforcement did): never the exemption tag. */
function tagUsers(r: IamResources, { applies }: NightlyScope): RolePermission {
  const tagKeys = [WARNED_TAG, ...(applies ? Object.values(ENFORCEMENT_TAGS) : [])];
  return {
    statement: allow('TagUsers', [TAG_USER], [r.users], {
      'ForAllValues:StringEquals': { 'aws:TagKeys': tagKeys },
      // ForAllValues is also true for a request without tag keys: Null rules that out.
      Null: { 'aws:TagKeys': 'false' },
    }),
    wildcardReason: `${USERS_REASON}; the condition aws:TagKeys allows only the tags the run records (${tagKeys.join(', ')})`,
  };
}

/** Enforcement's writes on users: disable keys, attach RequireMFA, and delete passwords only with disableConsoleAccess. */
function enforcementWrites(config: AwssecConfig, r: IamResources): RolePermission[] {
  const userWrites = enforceOnlyActions().filter(
    (action) =>
      ENFORCEMENT_WRITES.has(action) &&
      !REQUIRE_MFA_POLICY_ACTIONS.has(action) &&
      action !== ATTACH_USER_POLICY &&
      (action !== DELETE_LOGIN_PROFILE || config.disableConsoleAccess),
  );
  return [
    {
      statement: allow('EnforceOnUsers', userWrites, [r.users]),
      wildcardReason: `${USERS_REASON}; UpdateAccessKey disables (never deletes) a non-compliant user's keys${config.disableConsoleAccess ? '; DeleteLoginProfile because disableConsoleAccess is true' : ''}`,
    },
    attachRequireMfaOnly(r),
  ];
}

/** Nightly: the report always; warnings in warn and enforce mode; enforcement's reads in enforce mode, its writes only with apply. */
export function nightlyPermissions(config: AwssecConfig, r: PermissionResources): RolePermission[] {
  const scope = nightlyScope(config);
  const permissions: RolePermission[] = [
    ...reportReads(r, scope),
    {
      statement: allow('WriteReports', ['s3:PutObject'], [r.reportObjects]),
      wildcardReason:
        'reports/*: each night writes new objects named by date under reports/ in the report bucket',
    },
    // Organization mode: the state machine's last step sends the one summary, not each account's run.
    ...(config.organization ? [] : publishToTopic('PublishSummary', r)),
  ];
  if (config.securityHub) {
    const on = (scope: PermissionScope) =>
      actionsOf(SECURITY_HUB_PERMISSIONS.filter((permission) => permission.on === scope));
    permissions.push(
      { statement: allow('ReadOwnSecurityHubFindings', on('security-hub'), [r.securityHub]) },
      // The account's own default product: findings go in as this account's, and as no other product.
      { statement: allow('ImportSecurityHubFindings', on('security-hub-product'), [r.securityHubProduct]) },
    );
  }
  if (scope.warns) {
    permissions.push(
      tagUsers(r, scope),
      ...sendMailAsSender(config, r),
      {
        statement: allow('KeepRecordsOfUsersAtTagQuota', ['s3:GetObject', 's3:PutObject'], [r.recordObjects]),
        wildcardReason:
          "records/*: one object a user at IAM's 50-tag quota (named by account and user, who exist only after deployment), holding the warning and enforcement record their tags cannot",
      },
      {
        // Without ListBucket, S3 answers a missing record with AccessDenied instead of NoSuchKey.
        // (Not narrowed by s3:prefix: S3 checks it for GetObject without a prefix in the request.)
        statement: allow('ListReportBucket', ['s3:ListBucket'], [r.reportBucket]),
      },
    );
  }
  if (scope.applies) permissions.push(...enforcementWrites(config, r));
  if (r.memberRoles !== undefined) {
    // The reads in every mode; enforcement's role when the run warns or enforces.
    permissions.push(
      assumeMemberRoles(config, 'AssumeMemberRoles', [
        r.memberRoles.audit,
        ...(scope.warns ? [r.memberRoles.enforce] : []),
      ]),
    );
  }
  return permissions;
}

/**
 * `AwssecIamMfaAudit` in a member account: the bulk report's reads, scoped
 * as the nightly role's in report mode, and nothing else.
 */
export function auditRolePermissions(r: IamResources): RolePermission[] {
  return reportReads(r, { warns: false, enforces: false, applies: false });
}

/**
 * `AwssecIamMfaEnforce` in a member account: enforcement's reads; the warning
 * tag in warn and enforce mode; the writes only in enforce mode with apply,
 * under the same conditions as the nightly role's.
 */
export function enforceRolePermissions(config: AwssecConfig, r: IamResources): RolePermission[] {
  const scope = { ...nightlyScope(config), enforces: true };
  return [
    ...reportReads(r, scope),
    ...(scope.warns ? [tagUsers(r, scope)] : []),
    ...(scope.applies ? enforcementWrites(config, r) : []),
  ];
}

/**
 * Organization mode, the state machine's first step: the organization's
 * accounts (from the management account or a delegated administrator).
 */
export function orgAccountsPermissions(): RolePermission[] {
  return [
    {
      statement: allow('ListOrganizationAccounts', ['organizations:ListAccounts'], ['*']),
      wildcardReason:
        'Resource * only for organizations:ListAccounts, which supports no resource-level permission',
    },
  ];
}

/**
 * Organization mode, the state machine's last step: read each account's
 * report back, write the organization's beside them, publish one summary.
 */
export function orgReportPermissions(r: PermissionResources): RolePermission[] {
  return [
    {
      statement: allow('ReadAndWriteReports', ['s3:GetObject', 's3:PutObject'], [r.reportObjects]),
      wildcardReason:
        "reports/*: each night reads every account's report under reports/YYYY/MM/DD/ACCOUNT/ and writes the organization's under reports/YYYY/MM/DD/, named by date",
    },
    ...publishToTopic('PublishSummary', r),
  ];
}
