import { groupsWithoutMfaPolicy, type RootMfaKind, rootMfaKind, rootWithoutMfa } from './account-findings.ts';
import {
  assessUser,
  type ComplianceStatus,
  EXEMPTION_TAG,
  type Risk,
  type UserAssessment,
} from './assessment.ts';
import { recommendations } from './recommendations.ts';
import type { AccountInventory, MfaDeviceKind, RequireMfaPolicyStatus } from './user-facts.ts';
import { createUserSelector, type UserSelection, unmatchedPatterns } from './user-selection.ts';

/**
 * The report as the JSON output prints it and `generateMfaReport` returns it.
 * Field names are snake_case and fixed: users' scripts read them.
 */
export interface MfaReport {
  readonly generated_at: string;
  readonly account_id: string;
  readonly summary: MfaReportSummary;
  readonly account: {
    /**
     * Root has a password, access keys or signing certificates; false when AWS
     * says it has none (removed centrally in an Organizations member account):
     * then root needs no MFA.
     */
    readonly root_has_credentials: boolean;
    readonly root_mfa_enabled: boolean;
    readonly root_mfa_kind: RootMfaKind | null;
    readonly root_access_keys_present: boolean;
    readonly groups_without_mfa_policy: readonly string[];
    /** Whether the RequireMFA policy this tool attaches is the canonical document. */
    readonly require_mfa_policy: {
      readonly arn: string;
      readonly status: RequireMfaPolicyStatus;
      readonly default_version: string | null;
    };
  };
  readonly users: readonly MfaReportUser[];
  readonly recommendations: readonly string[];
  readonly inventory: {
    readonly source: 'bulk' | 'live';
    readonly credential_report_generated_at: string | null;
    readonly users_read_live: number;
    readonly users_in_account: number;
    readonly users_deleted_during_run: readonly string[];
    /** Users the run was not allowed to read: not assessed, so the report is incomplete. */
    readonly users_unreadable: readonly { readonly username: string; readonly reason: string }[];
    /** Why `--source auto` read every user live instead of using the credential report; null otherwise. */
    readonly fallback_reason: string | null;
  };
  readonly settings: {
    readonly grace_period_days: number;
    readonly include_users: readonly string[];
    /** The include_users items that named no user of the account. */
    readonly include_users_unmatched: readonly string[];
    readonly exclude_users: readonly string[];
    readonly exemption_tag: string;
    readonly ignore_exemptions: boolean;
  };
}

export interface MfaReportSummary {
  readonly total: number;
  readonly compliant: number;
  readonly 'non-compliant': number;
  readonly 'grace-period': number;
  readonly exempted: number;
  /** Compliant users as a share of all users in scope, exempted ones included. */
  readonly compliance_percent: number;
  readonly console_users_with_mfa_percent: number;
  readonly key_users_with_mfa_percent: number;
  readonly risk_level: Risk;
}

export interface MfaReportUser {
  readonly username: string;
  /** IAM's unique id (`AIDA…`): unlike the name, never given to another user. Null if AWS did not say. */
  readonly user_id: string | null;
  readonly arn: string;
  readonly status: ComplianceStatus;
  readonly risk: Risk;
  readonly mfa_devices: readonly {
    readonly serial_number: string;
    readonly kind: MfaDeviceKind;
    readonly enabled_at: string | null;
  }[];
  readonly console_access: boolean;
  readonly active_access_keys: number;
  readonly last_activity: string | null;
  readonly created_at: string;
  readonly days_since_creation: number;
  readonly grace_period_ends_at: string | null;
  readonly reasons: readonly string[];
  /** The exemption this run overrode (an exact name in include_users, or ignore_exemptions); null otherwise. */
  readonly exemption_overridden: string | null;
}

/** The figures the table report holds the account to. */
export const COMPLIANCE_TARGETS = {
  compliance_percent: 95,
  console_users_with_mfa_percent: 100,
  key_users_with_mfa_percent: 100,
} as const;

export interface MfaReportOptions {
  readonly now: Date;
  readonly gracePeriodDays: number;
  readonly selection: UserSelection;
  /** @default EXEMPTION_TAG */
  readonly exemptionTag?: string | undefined;
}

/** Worst first: what needs attention leads the report. */
const STATUS_ORDER: readonly ComplianceStatus[] = ['non-compliant', 'grace-period', 'exempted', 'compliant'];

export function assessInventory(inventory: AccountInventory, options: MfaReportOptions): UserAssessment[] {
  const selector = createUserSelector(options.selection);
  return inventory.users
    .filter((user) => selector.inScope(user.userName))
    .map((user) =>
      assessUser(user, {
        now: options.now,
        gracePeriodDays: options.gracePeriodDays,
        selector,
        exemptionTag: options.exemptionTag,
      }),
    )
    .sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
        a.user.userName.localeCompare(b.user.userName),
    );
}

export function buildMfaReport(
  inventory: AccountInventory,
  options: MfaReportOptions,
  /** The inventory's assessments, when the caller has them already (they come from assessInventory). */
  assessments: readonly UserAssessment[] = assessInventory(inventory, options),
): MfaReport {
  const { account, source } = inventory;
  const accountFindings = {
    root_has_credentials: account.root.hasCredentials,
    root_mfa_enabled: account.root.mfaEnabled,
    root_mfa_kind: rootMfaKind(account.root),
    root_access_keys_present: account.root.accessKeysPresent,
    groups_without_mfa_policy: groupsWithoutMfaPolicy(account.groups),
    require_mfa_policy: {
      arn: account.requireMfaPolicy.arn,
      status: account.requireMfaPolicy.status,
      default_version: account.requireMfaPolicy.defaultVersionId ?? null,
    },
  };
  return {
    generated_at: options.now.toISOString(),
    account_id: account.accountId,
    summary: summarize(assessments, account.root),
    account: accountFindings,
    users: assessments.map(toReportUser),
    recommendations: recommendations({ assessments, account: accountFindings }),
    inventory: {
      source: source.kind,
      credential_report_generated_at: source.credentialReportGeneratedAt?.toISOString() ?? null,
      users_read_live: source.usersReadLive,
      users_in_account: source.usersInAccount,
      users_deleted_during_run: [...source.usersDeletedDuringRun],
      users_unreadable: source.usersUnreadable.map((u) => ({ username: u.userName, reason: u.reason })),
      fallback_reason: source.fallbackReason ?? null,
    },
    settings: {
      grace_period_days: options.gracePeriodDays,
      include_users: [...options.selection.include],
      include_users_unmatched: unmatchedPatterns(
        options.selection.include,
        assessments.map((a) => a.user.userName),
      ),
      exclude_users: [...options.selection.exclude],
      exemption_tag: options.exemptionTag ?? EXEMPTION_TAG,
      ignore_exemptions: options.selection.ignoreExemptions === true,
    },
  };
}

function summarize(
  assessments: readonly UserAssessment[],
  root: AccountInventory['account']['root'],
): MfaReportSummary {
  const count = (status: ComplianceStatus) => assessments.filter((a) => a.status === status).length;
  const consoleUsers = assessments.filter((a) => a.consoleAccess);
  const keyUsers = assessments.filter((a) => a.activeAccessKeys > 0);
  return {
    total: assessments.length,
    compliant: count('compliant'),
    'non-compliant': count('non-compliant'),
    'grace-period': count('grace-period'),
    exempted: count('exempted'),
    compliance_percent: percent(count('compliant'), assessments.length),
    console_users_with_mfa_percent: percent(consoleUsers.filter((a) => a.hasMfa).length, consoleUsers.length),
    key_users_with_mfa_percent: percent(keyUsers.filter((a) => a.hasMfa).length, keyUsers.length),
    risk_level: accountRisk(assessments, root),
  };
}

/**
 * High when someone can get in without MFA and nobody accepted that risk
 * (a non-compliant user, root with credentials and no MFA, root access
 * keys); medium for
 * users in their grace period and exempted users without MFA; low otherwise.
 */
function accountRisk(
  assessments: readonly UserAssessment[],
  root: AccountInventory['account']['root'],
): Risk {
  if (
    rootWithoutMfa(root) ||
    root.accessKeysPresent ||
    assessments.some((a) => a.status === 'non-compliant')
  ) {
    return 'high';
  }
  return assessments.some((a) => a.risk !== 'low') ? 'medium' : 'low';
}

/** One decimal; an empty group counts as fully covered. */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10;
}

function toReportUser(assessment: UserAssessment): MfaReportUser {
  const { user } = assessment;
  return {
    username: user.userName,
    user_id: user.userId ?? null,
    arn: user.arn,
    status: assessment.status,
    risk: assessment.risk,
    mfa_devices: user.mfaDevices.map((device) => ({
      serial_number: device.serialNumber,
      kind: device.kind,
      enabled_at: device.enabledAt?.toISOString() ?? null,
    })),
    console_access: assessment.consoleAccess,
    active_access_keys: assessment.activeAccessKeys,
    last_activity: assessment.lastActivity?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
    days_since_creation: assessment.daysSinceCreation,
    grace_period_ends_at: assessment.gracePeriodEndsAt?.toISOString() ?? null,
    reasons: assessment.reasons,
    exemption_overridden: assessment.exemptionOverridden ?? null,
  };
}
