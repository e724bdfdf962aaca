import { ENFORCEMENT_TAGS } from './enforcement.ts';
import {
  BULK_REPORT_PERMISSIONS,
  ENFORCE_PERMISSIONS,
  ENFORCE_RECORD_PERMISSIONS,
  ORGANIZATION_PERMISSIONS,
  type Permission,
  type PermissionCondition,
  type PermissionScope,
  REPAIR_PERMISSIONS,
  RESTORE_PERMISSIONS,
  RESTORE_RECORD_PERMISSIONS,
  SECURITY_HUB_PERMISSIONS,
} from './permissions.ts';
import type { IamPolicyDocument, IamPolicyStatement } from './policies.ts';
import { REQUIRE_MFA_POLICY_NAME } from './policies.ts';

/**
 * The least-privilege identity policies for people who run the CLI, as
 * `awssec iam-mfa policy --operator COMMAND` prints them: built from the
 * list of what each command calls (permissions.ts), with every write as
 * narrow as IAM allows. AttachUserPolicy and DetachUserPolicy reach only
 * RequireMFA (`iam:PolicyARN`), so they cannot hand anyone
 * AdministratorAccess; TagUser and UntagUser reach only the tags that record
 * enforcement (`aws:TagKeys`), so they cannot exempt anyone; policy writes
 * reach only RequireMFA.
 */
export const OPERATOR_COMMANDS = ['report', 'enforce', 'restore', 'repair'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

const PERMISSIONS: Readonly<Record<OperatorCommand, readonly Permission[]>> = {
  report: BULK_REPORT_PERMISSIONS,
  enforce: ENFORCE_PERMISSIONS,
  restore: RESTORE_PERMISSIONS,
  repair: REPAIR_PERMISSIONS,
};

/** The tags enforcement and restore may write or remove: its own record, never the exemption tag. */
export const RECORD_TAG_KEYS: readonly string[] = Object.values(ENFORCEMENT_TAGS);

/**
 * Any account: IAM acts on users and customer-managed policies of the
 * caller's own account only (it has no cross-account access to them), so
 * the policy works unchanged in every account it is created in.
 */
const OWN_ACCOUNT = '*';

export interface OperatorPolicyOptions {
  /** `aws`, `aws-cn` or `aws-us-gov`. @default 'aws' */
  readonly partition?: string | undefined;
  /** The record bucket enforce and restore are given (`--record-bucket`): adds its permissions. */
  readonly recordBucket?: string | undefined;
  /** report with `--security-hub`: adds Security Hub's read and import. */
  readonly securityHub?: boolean | undefined;
  /** report or enforce with `--org`: adds listing the accounts and assuming this role in each. */
  readonly organizationRole?: string | undefined;
}

const RECORD_PERMISSIONS: Readonly<Partial<Record<OperatorCommand, readonly Permission[]>>> = {
  enforce: ENFORCE_RECORD_PERMISSIONS,
  restore: RESTORE_RECORD_PERMISSIONS,
};

export function operatorPolicy(
  command: OperatorCommand,
  options: OperatorPolicyOptions = {},
): IamPolicyDocument {
  const partition = options.partition ?? 'aws';
  const bucket = options.recordBucket ?? '';
  const resources: Record<PermissionScope, string> = {
    account: '*',
    users: `arn:${partition}:iam::${OWN_ACCOUNT}:user/*`,
    'require-mfa-policy': `arn:${partition}:iam::${OWN_ACCOUNT}:policy/${REQUIRE_MFA_POLICY_NAME}`,
    'record-objects': `arn:${partition}:s3:::${bucket}/records/*`,
    'record-bucket': `arn:${partition}:s3:::${bucket}`,
    'security-hub': `arn:${partition}:securityhub:*:${OWN_ACCOUNT}:hub/default`,
    // Only the default product of an account: Security Hub takes a finding through it only from
    // that account itself, for that account (AwsAccountId must be the caller's).
    'security-hub-product': `arn:${partition}:securityhub:*:${OWN_ACCOUNT}:product/${OWN_ACCOUNT}/default`,
    // Every account's role of that name: the organization's accounts are not known in advance.
    'member-role': `arn:${partition}:iam::*:role/${options.organizationRole ?? ''}`,
  };
  const conditions: Record<PermissionCondition, IamPolicyStatement['Condition']> = {
    'require-mfa-policy': { ArnEquals: { 'iam:PolicyARN': resources['require-mfa-policy'] } },
    // ForAllValues is also true for a request without tag keys: Null rules that out.
    'tool-tags': {
      'ForAllValues:StringEquals': { 'aws:TagKeys': RECORD_TAG_KEYS },
      Null: { 'aws:TagKeys': 'false' },
    },
  };
  const permissions = [
    ...PERMISSIONS[command],
    ...(options.recordBucket === undefined ? [] : (RECORD_PERMISSIONS[command] ?? [])),
    ...(options.securityHub === true && command === 'report' ? SECURITY_HUB_PERMISSIONS : []),
    ...(options.organizationRole !== undefined && (command === 'report' || command === 'enforce')
      ? ORGANIZATION_PERMISSIONS
      : []),
  ];
  const groups = new Map<string, { on: PermissionScope; only?: PermissionCondition; actions: string[] }>();
  for (const permission of unique(permissions)) {
    const key = `${permission.on}|${permission.only ?? ''}`;
    const group = groups.get(key) ?? {
      on: permission.on,
      ...(permission.only === undefined ? {} : { only: permission.only }),
      actions: [],
    };
    group.actions.push(permission.action);
    groups.set(key, group);
  }
  return {
    Version: '2012-10-17',
    Statement: [...groups.values()].map(
      (group): IamPolicyStatement => ({
        Sid: statementId(command, group.on, group.only),
        Effect: 'Allow',
        Action: group.actions,
        Resource: resources[group.on],
        ...(group.only === undefined ? {} : { Condition: conditions[group.only] }),
      }),
    ),
  };
}

/** A command's permissions without repeats (enforce lists the report's reads, then its own). */
function unique(permissions: readonly Permission[]): Permission[] {
  const seen = new Set<string>();
  return permissions.filter((permission) => !seen.has(permission.action) && seen.add(permission.action));
}

const SCOPE_NAMES: Record<PermissionScope, string> = {
  account: 'Account',
  users: 'Users',
  'require-mfa-policy': 'RequireMfaPolicy',
  'record-objects': 'Records',
  'record-bucket': 'RecordBucket',
  'security-hub': 'SecurityHub',
  'security-hub-product': 'SecurityHubProduct',
  'member-role': 'MemberRole',
};
const CONDITION_NAMES: Record<PermissionCondition, string> = {
  'require-mfa-policy': 'OnlyRequireMfa',
  'tool-tags': 'OnlyRecordTags',
};

/** `AwssecEnforceUsers`, `AwssecEnforceUsersOnlyRequireMfa`: one Sid a statement, unique in the document. */
function statementId(command: OperatorCommand, on: PermissionScope, only?: PermissionCondition): string {
  const verb = command.charAt(0).toUpperCase() + command.slice(1);
  return `Awssec${verb}${SCOPE_NAMES[on]}${only === undefined ? '' : CONDITION_NAMES[only]}`;
}
