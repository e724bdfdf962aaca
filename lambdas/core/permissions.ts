/**
 * The IAM actions each command calls, with the reason, in one place: the
 * README's policies, the error messages and the stacks' roles follow this
 * list, and a test checks that the inventory calls nothing outside it.
 */
export interface Permission {
  readonly action: string;
  readonly why: string;
}

/** `awssec iam-mfa report`, bulk source (the default). */
export const BULK_REPORT_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GenerateCredentialReport', why: 'asks AWS for a fresh credential report' },
  { action: 'iam:GetCredentialReport', why: "reads every user's password, MFA and key columns" },
  {
    action: 'iam:GetAccountAuthorizationDetails',
    why: 'lists users with their tags, and groups with their policies',
  },
  { action: 'iam:ListVirtualMFADevices', why: "tells virtual devices, and root's, from hardware ones" },
  { action: 'iam:GetAccountSummary', why: 'root MFA and root access keys' },
  { action: 'iam:ListMFADevices', why: 'the kind of a non-virtual device; users newer than the report' },
  { action: 'iam:GetUser', why: 'users newer than the credential report' },
  { action: 'iam:GetLoginProfile', why: 'users newer than the credential report' },
  { action: 'iam:ListAccessKeys', why: 'users newer than the credential report' },
  { action: 'iam:GetAccessKeyLastUsed', why: 'users newer than the credential report' },
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
  { action: 'iam:ListAttachedUserPolicies', why: 'whether RequireMFA is already attached to a target' },
  { action: 'iam:GetPolicy', why: 'whether the RequireMFA policy exists' },
  { action: 'iam:GetPolicyVersion', why: 'that an existing RequireMFA really denies without MFA' },
  { action: 'iam:CreatePolicy', why: 'creates RequireMFA the first time (with --apply)' },
  { action: 'iam:TagUser', why: 'records what was done on the user, before doing it (with --apply)' },
  { action: 'iam:UpdateAccessKey', why: 'disables active access keys; never deletes them (with --apply)' },
  { action: 'iam:AttachUserPolicy', why: 'attaches RequireMFA (with --apply)' },
  {
    action: 'iam:DeleteLoginProfile',
    why: 'deletes the console password, only with --disable-console-access (with --apply)',
  },
];

/** `awssec iam-mfa restore --user NAME`. */
export const RESTORE_PERMISSIONS: readonly Permission[] = [
  { action: 'iam:GetUser', why: "the user's tags: the record of what enforce did" },
  { action: 'iam:ListMFADevices', why: 'whether the user has MFA by now' },
  { action: 'iam:GetLoginProfile', why: 'whether the console password is there' },
  { action: 'iam:ListAccessKeys', why: 'which disabled keys still exist' },
  { action: 'iam:GetAccessKeyLastUsed', why: 'read with the keys' },
  { action: 'iam:ListAttachedUserPolicies', why: 'whether RequireMFA is attached' },
  { action: 'iam:UpdateAccessKey', why: 're-enables the keys enforce disabled (with --apply)' },
  { action: 'iam:DetachUserPolicy', why: 'detaches RequireMFA if enforce attached it (with --apply)' },
  { action: 'iam:UntagUser', why: "removes enforce's tags (with --apply)" },
];

/** The actions alone, for a policy document. */
export function actionsOf(permissions: readonly Permission[]): string[] {
  return permissions.map((permission) => permission.action);
}
