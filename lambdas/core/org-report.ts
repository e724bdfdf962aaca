import type { Risk } from './assessment.ts';
import { type MfaReport, type MfaReportSummary, type MfaReportUser, percent } from './mfa-report.ts';

/**
 * The report of an AWS Organization: one per account that was read, set side
 * by side. An account that could not be read is in it too, `not-assessed`
 * with the reason, so that nobody mistakes a missing account for a clean one.
 */
export interface OrgMfaReport {
  readonly generated_at: string;
  /** The account the run was made from (the management account or a delegated administrator). */
  readonly caller_account_id: string;
  readonly summary: OrgMfaReportSummary;
  /** Worst first: accounts not assessed, then by risk and compliance. */
  readonly accounts: readonly OrgAccount[];
  /** Every assessed account's users, each with its account. */
  readonly users: readonly OrgMfaReportUser[];
  readonly settings: MfaReport['settings'] & {
    /** The role assumed in each account but the caller's own. */
    readonly role_name: string;
    /** The accounts the run was limited to (`--accounts`); empty: every active account. */
    readonly accounts: readonly string[];
    readonly account_concurrency: number;
  };
}

export interface OrgMfaReportSummary extends MfaReportSummary {
  readonly accounts: number;
  readonly accounts_assessed: number;
  readonly accounts_not_assessed: number;
}

export interface OrgAccount {
  readonly account_id: string;
  readonly account_name: string;
  readonly status: 'assessed' | 'not-assessed';
  /** Why the account was not assessed: the AWS error, as the run met it. Null when assessed. */
  readonly reason: string | null;
  /** The account's own summary; null when not assessed. */
  readonly summary: MfaReportSummary | null;
  /** The account's root, groups and RequireMFA findings; null when not assessed. */
  readonly account: MfaReport['account'] | null;
  readonly inventory: MfaReport['inventory'] | null;
}

export type OrgMfaReportUser = MfaReportUser & { readonly account_id: string; readonly account_name: string };

/** What the run made of one account. */
export type AccountOutcome =
  | { readonly accountId: string; readonly name: string; readonly report: MfaReport }
  | { readonly accountId: string; readonly name: string; readonly error: string };

export interface OrgReportSettings {
  readonly now: Date;
  readonly callerAccountId: string;
  readonly roleName: string;
  readonly accounts: readonly string[];
  readonly accountConcurrency: number;
  /** The settings every account's report was made with (the same for all). */
  readonly reportSettings: MfaReport['settings'];
}

const RISK_ORDER: readonly Risk[] = ['high', 'medium', 'low'];

export function buildOrgReport(
  outcomes: readonly AccountOutcome[],
  settings: OrgReportSettings,
): OrgMfaReport {
  const accounts = outcomes.map(toOrgAccount).sort(worstFirst);
  const assessed = outcomes.flatMap((o) => ('report' in o ? [o] : []));
  const users = [...assessed]
    .sort((a, b) => a.accountId.localeCompare(b.accountId))
    .flatMap((o) =>
      o.report.users.map((user) => ({ ...user, account_id: o.accountId, account_name: o.name })),
    );
  // An --include-users item that named nobody anywhere: one that named someone in any account did its job.
  const unmatched = settings.reportSettings.include_users.filter((item) =>
    assessed.every((o) => o.report.settings.include_users_unmatched.includes(item)),
  );
  return {
    generated_at: settings.now.toISOString(),
    caller_account_id: settings.callerAccountId,
    summary: summarize(users, accounts),
    accounts,
    users,
    settings: {
      ...settings.reportSettings,
      include_users_unmatched: assessed.length === 0 ? [] : unmatched,
      role_name: settings.roleName,
      accounts: [...settings.accounts],
      account_concurrency: settings.accountConcurrency,
    },
  };
}

function toOrgAccount(outcome: AccountOutcome): OrgAccount {
  const base = { account_id: outcome.accountId, account_name: outcome.name };
  return 'report' in outcome
    ? {
        ...base,
        status: 'assessed',
        reason: null,
        summary: outcome.report.summary,
        account: outcome.report.account,
        inventory: outcome.report.inventory,
      }
    : {
        ...base,
        status: 'not-assessed',
        reason: outcome.error,
        summary: null,
        account: null,
        inventory: null,
      };
}

function worstFirst(a: OrgAccount, b: OrgAccount): number {
  const rank = (account: OrgAccount) =>
    account.summary === null ? -1 : RISK_ORDER.indexOf(account.summary.risk_level);
  return (
    rank(a) - rank(b) ||
    (a.summary?.compliance_percent ?? 0) - (b.summary?.compliance_percent ?? 0) ||
    a.account_id.localeCompare(b.account_id)
  );
}

/**
 * The organization's figures, counted over every assessed user. Its risk is
 * its worst account's, and an account nobody could read counts as high: what
 * it holds is unknown, not safe.
 */
function summarize(users: readonly OrgMfaReportUser[], accounts: readonly OrgAccount[]): OrgMfaReportSummary {
  const count = (status: MfaReportUser['status']) => users.filter((u) => u.status === status).length;
  const consoleUsers = users.filter((u) => u.console_access);
  const keyUsers = users.filter((u) => u.active_access_keys > 0);
  const withMfa = (list: readonly MfaReportUser[]) => list.filter((u) => u.mfa_devices.length > 0).length;
  const risks = accounts.map((a): Risk => a.summary?.risk_level ?? 'high');
  const assessed = accounts.filter((a) => a.status === 'assessed').length;
  return {
    accounts: accounts.length,
    accounts_assessed: assessed,
    accounts_not_assessed: accounts.length - assessed,
    total: users.length,
    compliant: count('compliant'),
    'non-compliant': count('non-compliant'),
    'grace-period': count('grace-period'),
    exempted: count('exempted'),
    compliance_percent: percent(count('compliant'), users.length),
    console_users_with_mfa_percent: percent(withMfa(consoleUsers), consoleUsers.length),
    key_users_with_mfa_percent: percent(withMfa(keyUsers), keyUsers.length),
    risk_level: RISK_ORDER.find((risk) => risks.includes(risk)) ?? 'low',
  };
}
