/**
 * The IAM policies the tool uses, as plain data. Both follow AWS's documented
 * "manage your own MFA" pattern; both are identity policies, so they carry no
 * `Principal`. Tested under an IAM policy evaluator in
 * test/core/policies.test.ts.
 */

/** A type alias, not an interface, so a statement is also a `PolicyStatement` that `enforcesMfa` reads. */
export type IamPolicyStatement = {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
};

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamPolicyStatement[];
}

export const REQUIRE_MFA_POLICY_NAME = 'RequireMFA';
export const SELF_SERVICE_MFA_POLICY_NAME = 'ManageOwnMFA';

/**
 * The calls RequireMFA leaves to other policies for a user without MFA:
 * enough to register a device, to change a first-login password, and to trade
 * long-term keys plus a code for MFA session credentials. It grants none of
 * them; everything else it denies.
 */
export const ALLOWED_WITHOUT_MFA: readonly string[] = [
  'iam:CreateVirtualMFADevice', // create the authenticator-app device to register
  'iam:EnableMFADevice', // register a device (virtual, FIDO or hardware)
  'iam:GetMFADevice', // read one's own device (a FIDO key's details); AWS's pattern allows it
  'iam:ListMFADevices', // see one's own devices
  'iam:ListVirtualMFADevices', // the console lists these while registering
  'iam:ResyncMFADevice', // fix a token that drifted
  'iam:GetUser', // the console's security-credentials page reads it
  'iam:ChangePassword', // a first sign-in may require a new password
  'iam:GetAccountPasswordPolicy', // needed to choose that new password
  'sts:GetSessionToken', // keys + MFA code → MFA session credentials
];

// IAM policy variables, not JavaScript templates: IAM fills in the caller's user name.
// A user may have a path (user/division/alice); user names are unique whatever the path.
const OWN_USER: readonly string[] = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${aws:username}` is the point
  'arn:aws:iam::*:user/${aws:username}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal `${aws:username}` is the point
  'arn:aws:iam::*:user/*/${aws:username}',
];

/**
 * The calls of {@link ALLOWED_WITHOUT_MFA} that act on a user: without MFA,
 * only on one's own. Otherwise an administrator signed in with a password
 * alone could register a device on someone else.
 */
export const OWN_USER_ONLY_WITHOUT_MFA: readonly string[] = [
  'iam:EnableMFADevice',
  'iam:GetMFADevice',
  'iam:ListMFADevices',
  'iam:ResyncMFADevice',
  'iam:GetUser',
  'iam:ChangePassword',
];

/**
 * Registering a device needs a console session (without MFA: the key is
 * present and false) or MFA. A request signed with a long-term access key
 * carries no `aws:MultiFactorAuthPresent` at all, and must not be enough to
 * register an attacker's device and then trade it for MFA session
 * credentials (AWS security bulletin AWS-2023-001).
 */
export const ENROLMENT_ACTIONS: readonly string[] = [
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:ResyncMFADevice',
];

const WITHOUT_MFA = { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } as const;

/**
 * Denies everything but {@link ALLOWED_WITHOUT_MFA} unless the request was
 * made with MFA. `BoolIfExists … false` also matches requests signed with
 * long-term access keys, which carry no `aws:MultiFactorAuthPresent` at all;
 * plain `Bool` would let those through. Two more Denies narrow the carve-out:
 * without MFA the user-level calls reach only the caller's own user, and
 * enrolling a device needs more than a long-term key.
 */
export const requireMfaPolicy: IamPolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyAllExceptListedIfNoMFA',
      Effect: 'Deny',
      NotAction: ALLOWED_WITHOUT_MFA,
      Resource: '*',
      Condition: WITHOUT_MFA,
    },
    {
      Sid: 'DenyOtherUsersMFASetupIfNoMFA',
      Effect: 'Deny',
      Action: OWN_USER_ONLY_WITHOUT_MFA,
      NotResource: OWN_USER,
      Condition: WITHOUT_MFA,
    },
    {
      Sid: 'DenyMFAEnrolmentWithLongTermKeys',
      Effect: 'Deny',
      Action: ENROLMENT_ACTIONS,
      Resource: '*',
      Condition: { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
  ],
};

/**
 * Lets each user manage only their own MFA: register and resync a device at
 * any time, and deactivate one only when signed in with MFA (so a stolen
 * password cannot remove it). Includes RequireMFA's Denies, as AWS's pattern
 * does. No iam:DeleteVirtualMFADevice: device names are free-form (since Nov
 * 2022), so it could not be limited to the user's own device; AWS's current
 * pattern leaves it out too.
 */
export const selfServiceMfaPolicy: IamPolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowViewAccountInfo',
      Effect: 'Allow',
      Action: ['iam:GetAccountPasswordPolicy', 'iam:ListVirtualMFADevices'],
      Resource: '*',
    },
    {
      Sid: 'AllowManageOwnVirtualMFADevice',
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/*',
    },
    {
      Sid: 'AllowManageOwnUserMFA',
      Effect: 'Allow',
      Action: [
        'iam:EnableMFADevice',
        'iam:GetMFADevice',
        'iam:GetUser',
        'iam:ListMFADevices',
        'iam:ResyncMFADevice',
        'iam:ChangePassword',
      ],
      Resource: OWN_USER,
    },
    {
      Sid: 'AllowRemoveOwnMFAOnlyWithMFA',
      Effect: 'Allow',
      Action: ['iam:DeactivateMFADevice'],
      Resource: OWN_USER,
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    ...requireMfaPolicy.Statement,
  ],
};

/** A policy as IAM takes it and `awssec iam-mfa policy` prints it: JSON indented by two spaces. */
export function policyJson(document: IamPolicyDocument): string {
  return JSON.stringify(document, null, 2);
}
