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

/** The actions alone, for a policy document. */
export function actionsOf(permissions: readonly Permission[]): string[] {
  return permissions.map((permission) => permission.action);
}
