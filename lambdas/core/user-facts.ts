/**
 * What the inventory learns about an account: the assessment's only input
 * besides its options. Plain data, so the rules can be tested without AWS.
 */

export type MfaDeviceKind = 'virtual' | 'security-key' | 'hardware-totp';

export interface MfaDevice {
  readonly serialNumber: string;
  readonly kind: MfaDeviceKind;
  readonly enabledAt?: Date | undefined;
}

export interface AccessKeyFacts {
  /** Unknown when the facts come from the credential report, which has no key ids. */
  readonly accessKeyId?: string | undefined;
  readonly active: boolean;
  readonly createdAt?: Date | undefined;
  readonly lastUsedAt?: Date | undefined;
}

export interface UserFacts {
  readonly userName: string;
  readonly arn: string;
  /** Changes when a user is deleted and created again under the same name. */
  readonly userId?: string | undefined;
  readonly createdAt: Date;
  readonly tags: Readonly<Record<string, string>>;
  readonly mfaDevices: readonly MfaDevice[];
  /** A login profile exists: the user can sign in to the console with a password. */
  readonly consolePassword: boolean;
  readonly passwordLastUsedAt?: Date | undefined;
  readonly accessKeys: readonly AccessKeyFacts[];
  /** Managed policies attached to the user (GetAccountAuthorizationDetails); undefined when not read. */
  readonly attachedPolicyArns?: readonly string[] | undefined;
}

export interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Condition?: unknown;
  readonly [key: string]: unknown;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement?: PolicyStatement | readonly PolicyStatement[];
}

export interface GroupFacts {
  readonly groupName: string;
  /** The group's ARN (its path included), when AWS gave it. */
  readonly arn?: string | undefined;
  /** Inline policies and the default versions of the customer-managed policies attached to the group. */
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
}

export interface RootFacts {
  readonly mfaEnabled: boolean;
  /** Root's MFA is a virtual device (rather than hardware TOTP or a FIDO key). */
  readonly virtualMfa: boolean;
  readonly accessKeysPresent: boolean;
  /**
   * Root has a password, access keys or signing certificates. False only when
   * AWS says it has none of the three: an Organizations member account whose
   * root credentials were removed centrally, which no one can sign in to as root.
   */
  readonly hasCredentials: boolean;
}

/**
 * The RequireMFA managed policy as found: `canonical` (the document this
 * tool attaches), `outdated` (an earlier release's), `tampered` (anything
 * else), `missing`, or `unreadable` (the run may not read it).
 */
export type RequireMfaPolicyStatus = 'canonical' | 'outdated' | 'tampered' | 'missing' | 'unreadable';

export interface RequireMfaPolicyFacts {
  readonly arn: string;
  readonly status: RequireMfaPolicyStatus;
  /** The default version read, when the policy exists and could be read. */
  readonly defaultVersionId?: string | undefined;
}

export interface AccountFacts {
  readonly accountId: string;
  readonly root: RootFacts;
  readonly groups: readonly GroupFacts[];
  readonly requireMfaPolicy: RequireMfaPolicyFacts;
}

export interface InventorySource {
  readonly kind: 'bulk' | 'live';
  /** When the credential report behind a bulk inventory was generated (it may be up to four hours old). */
  readonly credentialReportGeneratedAt?: Date | undefined;
  /** Users whose facts were read one by one: all of them for `live`; for `bulk`, those newer than the credential report. */
  readonly usersReadLive: number;
  /** Every IAM user in the account, in scope or not: the base of the blast-radius percentage. */
  readonly usersInAccount: number;
  /** Set when `auto` fell back from bulk to live: why the credential report could not be used. */
  readonly fallbackReason?: string | undefined;
  /** Users listed at the start of the run that were gone by the time their details were read. */
  readonly usersDeletedDuringRun: readonly string[];
  /** Users AWS refused to let the run read (AccessDenied): not assessed, and named in the report. */
  readonly usersUnreadable: readonly { readonly userName: string; readonly reason: string }[];
}

/** Everything one run learns: the account and the users in scope. */
export interface AccountInventory {
  readonly account: AccountFacts;
  readonly users: readonly UserFacts[];
  readonly source: InventorySource;
}
