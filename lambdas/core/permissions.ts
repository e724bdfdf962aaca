/**
 * The IAM actions each command calls, with the reason and what they act on,
 * in one place: the operator policies (`awssec iam-mfa policy --operator`),
 * the error messages and the stacks' roles follow this list, and tests check
 * that each command calls nothing outside it.
 */
export interface Permission {
  readonly action: string;
  readonly why: string;
  /**
   * What the action may act on: `account` (actions that take no resource ARN,
   * so `*`), `users` (`user/*`), `require-mfa-policy` (that policy's ARN),
   * `record-objects` and `record-bucket` (the record bucket's `records/`),
   * `security-hub` (the account's hub) and `security-hub-product` (the
   * account's own default product, which custom findings are imported into),
   * `member-role` (the role `--org` assumes in every account).
   */
  readonly on: PermissionScope;
  /**
   * A condition the operator policy puts on it: `require-mfa-policy` (the
   * action may only attach or detach RequireMFA, `iam:PolicyARN`), `tool-tags`
   * (only the tags that record enforcement, `aws:TagKeys`: never the
   * exemption tag).
   */
  readonly only?: PermissionCondition | undefined;
}

export type PermissionScope =
  | 'account'
  | 'users'
  | 'require-mfa-policy'
  | 'record-objects'
  | 'record-bucket'
  | 'security-hub'
  | 'security-hub-product'
  | 'member-role';
export type PermissionCondition = 'require-mfa-policy' | 'tool-tags';

/** `awssec iam-mfa report`, bulk source (the default). */
export const BULK_REPORT_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GenerateCredentialReport', why: 'asks AWS for a fresh credential report', on: 'account' },
  {
    action: 'iam:GetCredentialReport',
    why: "reads every user's password, MFA and key columns",
    on: 'account',
  },
  {
    action: 'iam:GetAccountAuthorizationDetails',
    why: 'lists users with their tags, and groups with their policies',
    on: 'account',
  },
  {
    action: 'iam:ListVirtualMFADevices',
    why: "tells virtual devices, and root's, from hardware ones",
    on: 'account',
  },
  { action: 'iam:GetAccountSummary', why: 'root MFA and root access keys', on: 'account' },
  {
    action: 'iam:ListMFADevices',
    why: 'the kind of a non-virtual device; users newer than the report',
    on: 'users',
  },
  { action: 'iam:GetUser', why: 'users newer than the credential report', on: 'users' },
  { action: 'iam:GetLoginProfile', why: 'users newer than the credential report', on: 'users' },
  { action: 'iam:ListAccessKeys', why: 'users newer than the credential report', on: 'users' },
  { action: 'iam:GetAccessKeyLastUsed', why: 'users newer than the credential report', on: 'users' },
  { action: 'iam:GetPolicy', why: "RequireMFA's default version", on: 'require-mfa-policy' },
  {
    action: 'iam:GetPolicyVersion',
    why: 'whether RequireMFA is the canonical document',
    on: 'require-mfa-policy',
  },
];

/** `--source live` reads every user one call at a time: no credential report. */
export const LIVE_REPORT_PERMISSIONS: readonly Permission[] = BULK_REPORT_PERMISSIONS.filter(
  (permission) => !permission.action.includes('CredentialReport'),
);

/**
 * `awssec iam-mfa enforce`: the bulk report's reads, the live re-check of
 * each target, and the writes. Without `--apply` only the reads are called.
 */
export const ENFORCE_PERMISSIONS: readonly Permission[] = [
  ...BULK_REPORT_PERMISSIONS,
  {
    action: 'iam:ListAttachedUserPolicies',
    why: 'whether RequireMFA is already attached to a target',
    on: 'users',
  },
  {
    action: 'iam:CreatePolicy',
    why: 'creates RequireMFA the first time (with --apply)',
    on: 'require-mfa-policy',
  },
  {
    action: 'iam:TagUser',
    why: 'records what was done on the user, before doing it (with --apply)',
    on: 'users',
    only: 'tool-tags',
  },
  {
    action: 'iam:UpdateAccessKey',
    why: 'disables active access keys; never deletes them (with --apply)',
    on: 'users',
  },
  {
    action: 'iam:AttachUserPolicy',
    why: 'attaches RequireMFA, and no other policy (with --apply)',
    on: 'users',
    only: 'require-mfa-policy',
  },
  {
    action: 'iam:DeleteLoginProfile',
    why: 'deletes the console password, only with --disable-console-access (with --apply)',
    on: 'users',
  },
];

/**
 * What onboarding calls for a new user: the central function in its own
 * account, and through the member role `AwssecIamMfaOnboarding` in each
 * member account of an organization.
 */
export const ONBOARDING_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GetUser', why: "the new user's tags: exemption and email address", on: 'users' },
  {
    action: 'iam:AttachUserPolicy',
    why: 'attaches RequireMFA to the new user, and no other policy',
    on: 'users',
    only: 'require-mfa-policy',
  },
  // Attached only when it is the canonical document, which the report checks the same way.
  ...BULK_REPORT_PERMISSIONS.filter((permission) => permission.on === 'require-mfa-policy'),
  { action: 'iam:CreatePolicy', why: 'creates RequireMFA the first time', on: 'require-mfa-policy' },
];

/** `awssec iam-mfa restore --user NAME`. */
export const RESTORE_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GetUser', why: "the user's tags: the record of what enforce did", on: 'users' },
  { action: 'iam:ListMFADevices', why: 'whether the user has MFA by now', on: 'users' },
  { action: 'iam:GetLoginProfile', why: 'whether the console password is there', on: 'users' },
  { action: 'iam:ListAccessKeys', why: 'which disabled keys still exist', on: 'users' },
  {
    action: 'iam:GetAccessKeyLastUsed',
    why: 'whether a disabled key was used since, so someone else re-enabled it',
    on: 'users',
  },
  { action: 'iam:ListAttachedUserPolicies', why: 'whether RequireMFA is attached', on: 'users' },
  {
    action: 'iam:UpdateAccessKey',
    why: 're-enables the keys enforce disabled (with --apply)',
    on: 'users',
  },
  {
    action: 'iam:DetachUserPolicy',
    why: 'detaches RequireMFA if enforce attached it, and no other policy (with --apply)',
    on: 'users',
    only: 'require-mfa-policy',
  },
  {
    action: 'iam:TagUser',
    why: 'keeps the record of the keys --key left disabled (with --apply)',
    on: 'users',
    only: 'tool-tags',
  },
  {
    action: 'iam:UntagUser',
    why: "removes enforce's tags (with --apply)",
    on: 'users',
    only: 'tool-tags',
  },
];

/** `awssec iam-mfa policy --repair`: makes RequireMFA the canonical document again. */
export const REPAIR_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GetPolicy', why: "RequireMFA's default version", on: 'require-mfa-policy' },
  { action: 'iam:GetPolicyVersion', why: 'what the default version holds', on: 'require-mfa-policy' },
  {
    action: 'iam:ListPolicyVersions',
    why: "whether IAM's five versions are taken",
    on: 'require-mfa-policy',
  },
  {
    action: 'iam:CreatePolicy',
    why: 'creates RequireMFA when it is missing (with --apply)',
    on: 'require-mfa-policy',
  },
  {
    action: 'iam:CreatePolicyVersion',
    why: 'the canonical document as the new default version (with --apply)',
    on: 'require-mfa-policy',
  },
  {
    action: 'iam:DeletePolicyVersion',
    why: 'frees a version slot when all five are taken: the oldest non-default one (with --apply)',
    on: 'require-mfa-policy',
  },
];

/**
 * With a record bucket (`enforce --record-bucket`): the records of users who
 * have IAM's 50 tags, and so no room for the tool's.
 */
export const ENFORCE_RECORD_PERMISSIONS: readonly Permission[] = [
  {
    action: 's3:GetObject',
    why: 'what is already recorded of a user at the tag quota',
    on: 'record-objects',
  },
  {
    action: 's3:PutObject',
    why: 'records what is done to a user at the tag quota, before doing it (with --apply)',
    on: 'record-objects',
  },
  {
    action: 's3:ListBucket',
    why: 'so that S3 answers a missing record with NoSuchKey rather than AccessDenied',
    on: 'record-bucket',
  },
];

/** `restore --record-bucket`: reads the record, and rewrites or removes it once restored. */
export const RESTORE_RECORD_PERMISSIONS: readonly Permission[] = [
  { action: 's3:GetObject', why: 'the record of a user at the tag quota', on: 'record-objects' },
  {
    action: 's3:PutObject',
    why: 'keeps the record of the keys --key left disabled (with --apply)',
    on: 'record-objects',
  },
  { action: 's3:DeleteObject', why: 'removes the record once restored (with --apply)', on: 'record-objects' },
  {
    action: 's3:ListBucket',
    why: 'so that S3 answers a missing record with NoSuchKey rather than AccessDenied',
    on: 'record-bucket',
  },
];

/**
 * `report --security-hub`: the account's own Security Hub, in the region the
 * run is in. `-o asff` makes only the read.
 */
export const SECURITY_HUB_PERMISSIONS: readonly Permission[] = [
  {
    action: 'securityhub:GetFindings',
    why: "reads back the tool's own active findings, to resolve those fixed (PASSED) or gone (ARCHIVED)",
    on: 'security-hub',
  },
  {
    action: 'securityhub:BatchImportFindings',
    why: "imports the findings into the account's default product (with --security-hub)",
    on: 'security-hub-product',
  },
];

/**
 * `report --org` and `enforce --org`, besides what the command calls in each
 * account (which the role assumed there holds): the organization's accounts,
 * and that role.
 */
export const ORGANIZATION_PERMISSIONS: readonly Permission[] = [
  {
    action: 'organizations:ListAccounts',
    why: "the organization's accounts (from the management account or a delegated administrator)",
    on: 'account',
  },
  {
    action: 'sts:AssumeRole',
    why: 'acts in each other account through its role (--role-name, --enforce-role-name)',
    on: 'member-role',
  },
];

/** The actions alone, for a policy document. */
export function actionsOf(permissions: readonly Permission[]): string[] {
  return permissions.map((permission) => permission.action);
}
