import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import pLimit from 'p-limit';
import { errorText } from '../aws/aws-call-error.ts';
import type { AwsClientSettings } from '../aws/aws-clients.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import type { OrganizationAccount } from '../aws/organization.ts';
import { readNightlyReport, saveOrgNightlyReport } from '../aws/report-store.ts';
import { publish } from '../aws/topic.ts';
import { asciiSubject, type Message, messageText } from '../core/messages.ts';
import type { MfaReport } from '../core/mfa-report.ts';
import { type AccountOutcome, buildOrgReport, type OrgMfaReport } from '../core/org-report.ts';
import { reportSettings } from './generate-mfa-report.ts';
import { clientsIn, reportSettingsOf } from './generate-org-mfa-report.ts';
import {
  type NightlyClients,
  type NightlyCounts,
  type NightlySettings,
  nightlyCounts,
  requireMfaUntrusted,
  runNightly,
} from './nightly-run.ts';

/**
 * The organization's nightly run, as the steps of its state machine after
 * the list of accounts (lambdas/org-accounts): run each one (runNightly through the member role), then one
 * report and one summary for all of them. Each step is a function of its
 * own, so each is tested against moto as the state machine calls it.
 */

/** An account as the list step gives it to the Map state. */
export type OrgNightlyAccount = OrganizationAccount;

/** The error text kept in an account's result: the Map's output (all accounts) must stay far below 256 KB. */
export const REASON_MAX = 500;

/**
 * What one account's step returns to the Map state: small, as every
 * account's goes into the aggregation step's input. The account's report is
 * in the bucket, at `report_key`.
 */
export type AccountNightlyResult =
  | {
      readonly account_id: string;
      readonly account_name: string;
      readonly status: 'assessed';
      readonly report_key: string;
      readonly compliance_percent: number;
      readonly non_compliant: number;
      readonly warned: number;
      readonly enforced: number;
      readonly enforcement_failures: number;
      readonly users_at_tag_quota: number;
      /** Set when a guard refused enforcement in the account, or its RequireMFA is not canonical. */
      readonly enforcement_refused: string | null;
    }
  | {
      readonly account_id: string;
      readonly account_name: string;
      readonly status: 'not-assessed';
      readonly reason: string;
    };

export interface OrgNightlySettings extends NightlySettings {
  /** The member role assumed in each account but this one: AwssecIamMfaAudit, or AwssecIamMfaEnforce to warn or act. */
  readonly memberRoleName: string;
  /** The Map state's MaxConcurrency, recorded in the organization's report. */
  readonly accountConcurrency: number;
}

/**
 * Step 2, once per account: the nightly run in that account, with this
 * function's own clients for its own account and the member role's for any
 * other. Whatever goes wrong (the role missing, AccessDenied, a throttled
 * read) is the account's result, `not-assessed`, never the execution's.
 * Security Hub takes this account's findings only: its product is this
 * account's.
 */
export async function runAccountNightly(
  account: OrgNightlyAccount,
  settings: OrgNightlySettings,
  clients: NightlyClients & { readonly settings: AwsClientSettings },
  now: Date,
): Promise<AccountNightlyResult> {
  const { accountId, name } = account;
  try {
    const caller = await readCallerIdentity(clients.sts);
    const own = caller.accountId === accountId;
    const inventoryClients = await clientsIn(accountId, {
      options: clients.settings,
      own: clients,
      caller,
      roleName: settings.memberRoleName,
    });
    const result = await runNightly(
      { ...settings, securityHub: settings.securityHub && own },
      { ...clients, ...inventoryClients, securityHub: own ? clients.securityHub : undefined },
      now,
      { reportDirectory: accountId, publishSummary: false },
    );
    const counts = nightlyCounts(result);
    return {
      account_id: accountId,
      account_name: name,
      status: 'assessed',
      report_key: result.reportKeys[0] ?? '',
      compliance_percent: counts.summary.compliance_percent,
      non_compliant: counts.summary['non-compliant'],
      warned: counts.warned,
      enforced: counts.enforced,
      enforcement_failures: counts.enforcementFailures,
      users_at_tag_quota: counts.usersAtTagQuota,
      enforcement_refused:
        result.enforcementRefused === undefined ? null : result.enforcementRefused.slice(0, REASON_MAX),
    };
  } catch (error) {
    return notAssessed(account, errorText(error));
  }
}

/** An account the run could not assess, and why (shortened to REASON_MAX). */
export function notAssessed(account: OrgNightlyAccount, reason: string): AccountNightlyResult {
  return {
    account_id: account.accountId,
    account_name: account.name,
    status: 'not-assessed',
    reason: reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX - 1)}…` : reason,
  };
}

export interface OrgNightlyResult {
  readonly report: OrgMfaReport;
  readonly reportKeys: readonly string[];
  /** Each assessed account's figures, by account id, for its metrics. */
  readonly accounts: readonly { readonly accountId: string; readonly counts: NightlyCounts }[];
  /** The organization's own figures. */
  readonly counts: NightlyCounts;
}

/** Accounts' reports read back from the bucket at once. */
const REPORT_READS = 16;

/**
 * Step 3: every account's report read back, one report for the organization
 * (JSON and CSV) beside them, and one summary to the security topic. An
 * account whose report cannot be read back is `not-assessed`, with why.
 */
export async function aggregateOrgNightly(
  results: readonly AccountNightlyResult[],
  settings: OrgNightlySettings,
  clients: { readonly s3: S3Client; readonly sns: SNSClient; readonly centralAccountId: string },
  now: Date,
): Promise<OrgNightlyResult> {
  const limit = pLimit(REPORT_READS);
  const read = await Promise.all(
    results.map((result) =>
      limit(async (): Promise<{ outcome: AccountOutcome; result: AccountNightlyResult }> => {
        const { account_id: accountId, account_name: name } = result;
        if (result.status === 'not-assessed')
          return { outcome: { accountId, name, error: result.reason }, result };
        try {
          const report = await readNightlyReport(clients.s3, settings.reportBucket, result.report_key);
          return { outcome: { accountId, name, report }, result };
        } catch (error) {
          return {
            outcome: { accountId, name, error: `its report could not be read back: ${errorText(error)}` },
            result,
          };
        }
      }),
    ),
  );
  const scope = reportSettings({
    excludeUsers: listOrUndefined(settings.excludeUsers),
    gracePeriodDays: settings.gracePeriodDays,
    now,
  });
  const report = buildOrgReport(
    read.map((r) => r.outcome),
    {
      now,
      callerAccountId: clients.centralAccountId,
      roleName: settings.memberRoleName,
      accounts: [],
      accountConcurrency: settings.accountConcurrency,
      reportSettings: reportSettingsOf(scope, {}),
    },
  );
  const reportKeys = await saveOrgNightlyReport(clients.s3, settings.reportBucket, report);
  const accounts = read.flatMap(({ outcome, result }) =>
    'report' in outcome && result.status === 'assessed'
      ? [{ accountId: outcome.accountId, counts: accountCounts(outcome.report, result) }]
      : [],
  );
  const counts = orgCounts(
    report,
    accounts.map((a) => a.counts),
  );
  await publish(clients.sns, settings.topicArn, orgNightlySummary(report, reportKeys, results, settings));
  return { report, reportKeys, accounts, counts };
}

function listOrUndefined(list: readonly string[]): string[] | undefined {
  return list.length === 0 ? undefined : [...list];
}

function accountCounts(
  report: MfaReport,
  result: AccountNightlyResult & { status: 'assessed' },
): NightlyCounts {
  return {
    summary: report.summary,
    rootMfaEnabled: report.account.root_mfa_enabled ? 1 : 0,
    rootHasCredentials: report.account.root_has_credentials ? 1 : 0,
    requireMfaPolicyUntrusted: requireMfaUntrusted(report) ? 1 : 0,
    warned: result.warned,
    enforced: result.enforced,
    enforcementFailures: result.enforcement_failures,
    usersAtTagQuota: result.users_at_tag_quota,
  };
}

/** The organization's figures: its report's summary; counts summed; root MFA 1 only when every root with credentials has it. */
function orgCounts(report: OrgMfaReport, accounts: readonly NightlyCounts[]): NightlyCounts {
  const sum = (pick: (counts: NightlyCounts) => number) => accounts.reduce((total, c) => total + pick(c), 0);
  return {
    summary: report.summary,
    rootMfaEnabled: accounts.every((c) => c.rootHasCredentials === 0 || c.rootMfaEnabled === 1) ? 1 : 0,
    rootHasCredentials: sum((c) => c.rootHasCredentials),
    requireMfaPolicyUntrusted: sum((c) => c.requireMfaPolicyUntrusted),
    warned: sum((c) => c.warned),
    enforced: sum((c) => c.enforced),
    enforcementFailures: sum((c) => c.enforcementFailures),
    usersAtTagQuota: sum((c) => c.usersAtTagQuota),
  };
}

/** Accounts named in the summary's lists before "and N more". */
const LIST_MAX = 10;

/** The security team's one summary of the organization's night. */
export function orgNightlySummary(
  report: OrgMfaReport,
  reportKeys: readonly string[],
  results: readonly AccountNightlyResult[],
  settings: OrgNightlySettings,
): Message {
  const s = report.summary;
  const more = (count: number) =>
    count > LIST_MAX ? [`… and ${count - LIST_MAX} more (see the report)`] : [];
  const notAssessedAccounts = report.accounts.filter((a) => a.status === 'not-assessed');
  // Worst first, as the report sorts them: the assessed accounts with anyone non-compliant.
  const worst = report.accounts.filter((a) => a.summary !== null && a.summary['non-compliant'] > 0);
  const refused = results.flatMap((r) =>
    r.status === 'assessed' && r.enforcement_refused !== null
      ? [`${r.account_id}: ${r.enforcement_refused}`]
      : [],
  );
  const label = (a: (typeof report.accounts)[number]) =>
    `${a.account_id}${a.account_name === '' ? '' : ` (${a.account_name})`}`;
  const lines = [
    `Nightly MFA report for the organization, ${s.accounts} accounts (${settings.mode} mode${settings.mode === 'enforce' ? (settings.apply ? ', applying' : ', dry run') : ''})`,
    '',
    `Accounts: ${s.accounts_assessed} assessed · ${s.accounts_not_assessed} NOT assessed`,
    `Users: ${s.total} · compliant ${s.compliant} · non-compliant ${s['non-compliant']} · grace period ${s['grace-period']} · exempted ${s.exempted}`,
    `Compliance ${s.compliance_percent}% (target 95%) · console users with MFA ${s.console_users_with_mfa_percent}% · key users with MFA ${s.key_users_with_mfa_percent}%`,
    ...(notAssessedAccounts.length > 0
      ? [
          '',
          'NOT ASSESSED (nobody in them was checked tonight):',
          ...notAssessedAccounts.slice(0, LIST_MAX).map((a) => `- ${label(a)}: ${a.reason ?? ''}`),
          ...more(notAssessedAccounts.length),
        ]
      : []),
    ...(worst.length > 0
      ? [
          '',
          'Worst accounts:',
          ...worst
            .slice(0, LIST_MAX)
            .map(
              (a) =>
                `- ${label(a)}: ${a.summary?.compliance_percent ?? 0}% compliant, ${a.summary?.['non-compliant'] ?? 0} non-compliant, risk ${a.summary?.risk_level ?? ''}`,
            ),
          ...more(worst.length),
        ]
      : []),
    ...(refused.length > 0
      ? [
          '',
          'ENFORCEMENT REFUSED:',
          ...refused.slice(0, LIST_MAX).map((r) => `- ${r}`),
          ...more(refused.length),
        ]
      : []),
    '',
    `Report: s3://${settings.reportBucket}/${reportKeys[0] ?? ''} (and .csv); each account's under its id beside it`,
  ];
  const alarm = s.accounts_not_assessed > 0 || s['non-compliant'] > 0 || refused.length > 0;
  return {
    subject: asciiSubject(
      `[awssec] MFA ${alarm ? 'ATTENTION' : 'OK'}: ${s.compliance_percent}% compliant, ${s['non-compliant']} non-compliant, ${s.accounts_not_assessed} of ${s.accounts} accounts not assessed`,
    ),
    text: messageText(lines),
  };
}
