import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SNSClient } from '@aws-sdk/client-sns';
import { errorText } from '../aws/aws-call-error.ts';
import type { InventoryClients } from '../aws/iam-inventory.ts';
import { sendMail } from '../aws/mail.ts';
import { recordOnUser, s3RecordStore } from '../aws/record-store.ts';
import { saveEnforcementRun, saveNightlyReport } from '../aws/report-store.ts';
import { UntrustedPolicyError } from '../aws/require-mfa-policy.ts';
import { publish } from '../aws/topic.ts';
import type { UserAssessment } from '../core/assessment.ts';
import { asciiSubject, type Message, messageText, mfaWarningMail, recipientFor } from '../core/messages.ts';
import { assessInventory, buildMfaReport, type MfaReport } from '../core/mfa-report.ts';
import { REPAIR_COMMAND } from '../core/policy-integrity.ts';
import { securityHubSummary } from '../core/security-hub-findings.ts';
import type { AccountInventory, UserFacts } from '../core/user-facts.ts';
import { atTagQuota, type UserRecordStore, withStoredRecord } from '../core/user-record.ts';
import { patternMatcher } from '../core/user-selection.ts';
import { usersToWarn, WARNED_TAG, warningTagProblem } from '../core/warnings.ts';
import type { MetricName, NightlyModeName } from '../function-contract.ts';
import { type EnforcementRun, enforceMfaCompliance, RefusedRunError } from './enforce-mfa-compliance.ts';
import { readScopedInventory, reportSettings } from './generate-mfa-report.ts';
import { publishSecurityHubFindings, type SecurityHubRun } from './security-hub-findings.ts';

/** `report` | `warn` | `enforce`, as the stack's `mode` sets it. */
export type NightlyMode = NightlyModeName;

export interface NightlySettings {
  readonly mode: NightlyMode;
  /** Enforcement changes things only when true; otherwise it is a dry run whose plan goes in the summary. */
  readonly apply: boolean;
  readonly gracePeriodDays: number;
  readonly warningDays: number;
  readonly excludeUsers: readonly string[];
  readonly breakGlass: readonly string[];
  readonly maxUsers: number;
  readonly maxPercent: number;
  readonly disableConsoleAccess: boolean;
  readonly reportBucket: string;
  readonly topicArn: string;
  readonly senderEmail: string;
  readonly emailDomain: string;
  /** Import the findings into the account's Security Hub. */
  readonly securityHub: boolean;
}

export interface NightlyClients extends InventoryClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly ses: SESClient;
  /** Needed when settings.securityHub is on. */
  readonly securityHub?: SecurityHubClient | undefined;
}

/** What became of tonight's Security Hub import, when it is on. */
export type NightlySecurityHub =
  | ({ readonly ok: true } & SecurityHubRun)
  | { readonly ok: false; readonly error: string };

export interface WarningRecord {
  readonly username: string;
  readonly deadline: string;
  readonly mail: 'sent' | 'no-sender' | 'no-address' | 'failed';
  readonly recipient: string | null;
  readonly error: string | null;
  /** Where the warning was recorded: `tags`, or the report bucket's record for a user at the tag quota. */
  readonly recorded_in: string | null;
}

export interface NightlyResult {
  readonly mode: NightlyMode;
  readonly report: MfaReport;
  readonly reportKeys: readonly string[];
  readonly warnings: readonly WarningRecord[];
  /** Set in enforce mode when the run went ahead (as a dry run unless apply). */
  readonly enforcement: EnforcementRun | undefined;
  /** Set in enforce mode when a guard refused the run, or RequireMFA was not the canonical document. */
  readonly enforcementRefused: string | undefined;
  /** Users whose warning tag this tool did not write (dated in the future, or not a time): ignored. */
  readonly tamperedTags: readonly { readonly username: string; readonly problem: string }[];
  /** Users the run may warn or act on who have IAM's 50 tags: their record is in the report bucket. */
  readonly usersAtTagQuota: readonly string[];
  /** Set when Security Hub is on. */
  readonly securityHub: NightlySecurityHub | undefined;
}

/** How an organization's run uses runNightly for one of its accounts. */
export interface NightlyRunOptions {
  /** Under `reports/YYYY/MM/DD/` (the account's id): one account of an organization's run. */
  readonly reportDirectory?: string | undefined;
  /** False: no summary to the security topic (the organization's run sends one for all). @default true */
  readonly publishSummary?: boolean | undefined;
}

/**
 * The nightly run: report always (saved to S3); in warn and enforce mode,
 * warn the users about to be acted on; in enforce mode, act on the users
 * warned at least a day before, with the CLI's guards. A summary goes to the
 * security topic. Repeating the run the same night is harmless: warned users
 * carry a tag, and enforcement does nothing twice.
 */
export async function runNightly(
  settings: NightlySettings,
  clients: NightlyClients,
  now: Date = new Date(),
  runOptions: NightlyRunOptions = {},
): Promise<NightlyResult> {
  const options = {
    excludeUsers: listOrUndefined(settings.excludeUsers),
    gracePeriodDays: settings.gracePeriodDays,
    now,
  };
  const scope = reportSettings(options);
  const read = await readScopedInventory(options, scope, clients);
  // Users at IAM's tag quota keep the tool's record in the report bucket: read theirs back,
  // so a warning recorded there counts as one (and is not mailed again every night).
  const store = settings.mode === 'report' ? undefined : s3RecordStore(clients.s3, settings.reportBucket);
  const inventory = store === undefined ? read : await withStoredRecords(read, store);
  const reportOptions = { now, gracePeriodDays: scope.gracePeriodDays, selection: scope.selection };
  // Assessed once: the report and tonight's warnings read the same verdicts.
  const assessments = assessInventory(inventory, reportOptions);
  const report = buildMfaReport(inventory, reportOptions, assessments);
  const reportKeys = await saveNightlyReport(
    clients.s3,
    settings.reportBucket,
    report,
    runOptions.reportDirectory,
  );
  const securityHub = settings.securityHub
    ? await importIntoSecurityHub(report, inventory, clients.securityHub, now)
    : undefined;

  const warnings: WarningRecord[] = [];
  if (settings.mode !== 'report') {
    for (const { assessment, deadline } of usersToWarn(assessments, {
      now,
      warningDays: settings.warningDays,
      neverActedOn: patternMatcher(settings.breakGlass),
    })) {
      warnings.push(
        await warnUser(assessment.user, deadline, assessment.reasons, settings, clients, store, report, now),
      );
    }
  }

  let enforcement: EnforcementRun | undefined;
  let enforcementRefused: string | undefined;
  if (settings.mode === 'enforce') {
    try {
      enforcement = await enforceMfaCompliance({
        iamClient: clients.iam,
        stsClient: clients.sts,
        inventory,
        now,
        dryRun: !settings.apply,
        excludeUsers: listOrUndefined(settings.excludeUsers),
        gracePeriodDays: settings.gracePeriodDays,
        breakGlass: listOrUndefined(settings.breakGlass),
        maxUsers: settings.maxUsers,
        maxPercent: settings.maxPercent,
        disableConsoleAccess: settings.disableConsoleAccess,
        requireWarningAt: now,
        recordStore: store,
      });
    } catch (error) {
      // A retry would meet the same guard, or the same policy: report it and alarm instead.
      if (!(error instanceof RefusedRunError || error instanceof UntrustedPolicyError)) throw error;
      enforcementRefused = error.message;
    }
  }

  // The run itself, whatever its users' tags: the audit record of what enforcement did (or planned).
  if (enforcement !== undefined)
    reportKeys.push(
      await saveEnforcementRun(clients.s3, settings.reportBucket, enforcement, runOptions.reportDirectory),
    );
  const tamperedTags = assessments.flatMap(({ user }) => {
    const problem = warningTagProblem(user.tags, now);
    return problem === undefined ? [] : [{ username: user.userName, problem }];
  });
  const result = {
    mode: settings.mode,
    report,
    reportKeys,
    warnings,
    enforcement,
    enforcementRefused,
    tamperedTags,
    usersAtTagQuota: usersAtTagQuota(assessments),
    securityHub,
  };
  if (runOptions.publishSummary !== false) {
    await publish(clients.sns, settings.topicArn, nightlySummary(result, settings));
  }
  return result;
}

/**
 * The findings into Security Hub. A failure is reported in the summary and
 * the metrics, not thrown: the warnings and enforcement still run tonight,
 * and the next night imports again.
 */
async function importIntoSecurityHub(
  report: MfaReport,
  inventory: AccountInventory,
  client: SecurityHubClient | undefined,
  now: Date,
): Promise<NightlySecurityHub> {
  if (client === undefined) return { ok: false, error: 'no Security Hub client was given' };
  try {
    const run = await publishSecurityHubFindings(report, { client, now, groups: inventory.account.groups });
    return { ok: true, ...run };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

/** Findings tonight's import left out: those Security Hub refused, or all when a call failed. */
export function securityHubFindingsNotImported(securityHub: NightlySecurityHub | undefined): number {
  if (securityHub === undefined) return 0;
  return securityHub.ok ? securityHub.outcome.failed.length : 1;
}

/** The API refuses an empty list (a guard that names nobody); none configured means not given. */
function listOrUndefined(list: readonly string[]): string[] | undefined {
  return list.length === 0 ? undefined : [...list];
}

async function warnUser(
  user: UserFacts,
  deadline: Date,
  exposure: readonly string[],
  settings: NightlySettings,
  clients: NightlyClients,
  store: UserRecordStore | undefined,
  report: MfaReport,
  now: Date,
): Promise<WarningRecord> {
  const recipient = recipientFor(user.userName, user.tags, settings.emailDomain);
  const base = {
    username: user.userName,
    deadline: deadline.toISOString(),
    recipient: recipient ?? null,
    recorded_in: null,
  };
  // Not mailed, not recorded: enforcement acts only on users a mail reached a day before; the summary names the rest.
  if (settings.senderEmail === '') return { ...base, mail: 'no-sender', error: null };
  if (recipient === undefined) return { ...base, mail: 'no-address', error: null };
  try {
    await sendMail(clients.ses, {
      from: settings.senderEmail,
      to: recipient,
      message: mfaWarningMail({ userName: user.userName, accountId: report.account_id, deadline, exposure }),
    });
  } catch (failure) {
    // Not recorded: tomorrow's run tries again, and nobody is acted on without a warning on record.
    return { ...base, mail: 'failed', error: errorText(failure) };
  }
  try {
    const recordedIn = await recordOnUser(
      clients.iam,
      store,
      { accountId: report.account_id, userName: user.userName, userId: user.userId, tags: user.tags },
      { [WARNED_TAG]: now.toISOString() },
      now,
    );
    return { ...base, mail: 'sent', error: null, recorded_in: recordedIn };
  } catch (failure) {
    return {
      ...base,
      mail: 'failed',
      error: `mailed but not recorded (mailed again tomorrow): ${errorText(failure)}`,
    };
  }
}

/** Users the run may warn or act on who have IAM's 50 tags, sorted. */
function usersAtTagQuota(assessments: readonly UserAssessment[]): string[] {
  return assessments
    .filter((a) => (a.status === 'non-compliant' || a.status === 'grace-period') && atTagQuota(a.user.tags))
    .map((a) => a.user.userName)
    .sort();
}

/** The inventory with each tag-quota user's stored record merged into their tags (one read a such user). */
async function withStoredRecords(
  inventory: AccountInventory,
  store: UserRecordStore,
): Promise<AccountInventory> {
  const users = await Promise.all(
    inventory.users.map(async (user) =>
      atTagQuota(user.tags)
        ? {
            ...user,
            tags: withStoredRecord(
              user.tags,
              await store.read(inventory.account.accountId, user.userName),
              user.userId,
            ),
          }
        : user,
    ),
  );
  return { ...inventory, users };
}

const LIST_MAX = 20;

/** The security team's summary of the night. */
export function nightlySummary(result: NightlyResult, settings: NightlySettings): Message {
  const { report } = result;
  const s = report.summary;
  const names = (list: readonly string[]) =>
    list.length <= LIST_MAX
      ? list.join(', ')
      : `${list.slice(0, LIST_MAX).join(', ')} and ${list.length - LIST_MAX} more`;
  const nonCompliant = report.users.filter((u) => u.status === 'non-compliant').map((u) => u.username);
  const lines = [
    `Nightly MFA report for AWS account ${report.account_id} (${settings.mode} mode${settings.mode === 'enforce' ? (settings.apply ? ', applying' : ', dry run') : ''})`,
    '',
    `Users: ${s.total} · compliant ${s.compliant} · non-compliant ${s['non-compliant']} · grace period ${s['grace-period']} · exempted ${s.exempted}`,
    `Compliance ${s.compliance_percent}% (target 95%) · console users with MFA ${s.console_users_with_mfa_percent}% · key users with MFA ${s.key_users_with_mfa_percent}%`,
    rootLine(report.account),
    ...(requireMfaUntrusted(report)
      ? [
          `RequireMFA policy ${report.account.require_mfa_policy.status.toUpperCase()}: ${report.account.require_mfa_policy.arn} is not the document this tool attaches; nothing is attached until someone runs ${REPAIR_COMMAND}`,
        ]
      : []),
    ...(nonCompliant.length > 0 ? [`Non-compliant: ${names(nonCompliant)}`] : []),
    ...(report.inventory.users_unreadable.length > 0
      ? [`NOT ASSESSED (access denied): ${names(report.inventory.users_unreadable.map((u) => u.username))}`]
      : []),
    ...(result.usersAtTagQuota.length > 0
      ? [
          `TAG QUOTA (IAM's 50 tags, so their records are kept in s3://${settings.reportBucket}/records/): ${names(result.usersAtTagQuota)}`,
        ]
      : []),
    ...(result.tamperedTags.length > 0
      ? [
          `TAMPERED warning tags (ignored, warned again): ${names(result.tamperedTags.map((t) => `${t.username}: ${t.problem}`))}`,
        ]
      : []),
    `Report: s3://${settings.reportBucket}/${result.reportKeys[0] ?? ''} (and .csv)`,
    ...securityHubLines(result.securityHub),
  ];
  if (settings.mode !== 'report') {
    const failed = result.warnings.filter((w) => w.mail === 'failed');
    lines.push(
      '',
      `Warned tonight: ${result.warnings.length === 0 ? 'nobody' : names(result.warnings.map((w) => `${w.username} (${w.mail})`))}`,
      ...(failed.length > 0
        ? [
            `Warnings that failed (retried tomorrow): ${names(failed.map((w) => `${w.username}: ${w.error ?? ''}`))}`,
          ]
        : []),
    );
  }
  if (result.enforcementRefused !== undefined) {
    lines.push('', `ENFORCEMENT REFUSED: ${result.enforcementRefused}`);
  } else if (result.enforcement !== undefined) {
    const run = result.enforcement;
    const by = (outcome: string) => run.users.filter((u) => u.outcome === outcome).map((u) => u.username);
    const acted = by(run.dry_run ? 'planned' : 'enforced');
    lines.push(
      '',
      `Enforcement (${run.dry_run ? 'dry run: nothing changed; set apply to act' : 'applied'}): ${acted.length === 0 ? 'nobody' : names(acted)}`,
      ...(by('failed').length > 0 ? [`FAILED: ${names(by('failed'))}`] : []),
      ...(by('protected').length > 0 ? [`Held back: ${names(by('protected'))}`] : []),
    );
  }
  lines.push(
    '',
    'Every change is recorded in tags on the user; awssec iam-mfa restore --user NAME undoes it.',
  );
  const alarm =
    result.enforcementRefused !== undefined ||
    s['non-compliant'] > 0 ||
    (report.account.root_has_credentials && !report.account.root_mfa_enabled) ||
    requireMfaUntrusted(report) ||
    securityHubFindingsNotImported(result.securityHub) > 0;
  return {
    subject: asciiSubject(
      `[awssec] MFA ${alarm ? 'ATTENTION' : 'OK'}: ${s.compliance_percent}% compliant, ${s['non-compliant']} non-compliant in ${report.account_id}`,
    ),
    text: messageText(lines),
  };
}

function securityHubLines(securityHub: NightlySecurityHub | undefined): string[] {
  if (securityHub === undefined) return [];
  if (!securityHub.ok) return [`SECURITY HUB IMPORT FAILED (tried again tomorrow): ${securityHub.error}`];
  const { plan, outcome, region } = securityHub;
  return [
    securityHubSummary(plan, outcome.imported, region),
    ...(outcome.failed.length > 0
      ? [`SECURITY HUB REFUSED: ${outcome.failed.map((f) => `${f.id}: ${f.error}`).join('; ')}`]
      : []),
  ];
}

function rootLine(account: MfaReport['account']): string {
  if (!account.root_has_credentials) return 'Root: no password, access keys or certificates (no MFA needed)';
  return `Root MFA: ${account.root_mfa_enabled ? `enabled (${account.root_mfa_kind})` : 'NOT ENABLED'} · root access keys: ${account.root_access_keys_present ? 'PRESENT' : 'none'}`;
}

/** RequireMFA exists and is not the canonical document: nothing is attached until it is repaired. */
export function requireMfaUntrusted(report: MfaReport): boolean {
  const { status } = report.account.require_mfa_policy;
  return status === 'tampered' || status === 'outdated';
}

/** What the night's metrics are made of: one account's, or an organization's (summed over its accounts). */
export interface NightlyCounts {
  readonly summary: MfaReport['summary'];
  /** 1 when root (every account's root with credentials) has MFA. */
  readonly rootMfaEnabled: number;
  /** Roots with a password, access keys or certificates: 0 or 1 for an account. */
  readonly rootHasCredentials: number;
  /** RequireMFA policies that are not the canonical document: 0 or 1 for an account. */
  readonly requireMfaPolicyUntrusted: number;
  readonly warned: number;
  readonly enforced: number;
  readonly enforcementFailures: number;
  readonly usersAtTagQuota: number;
  /** Undefined when Security Hub is off: the metric is then not published. */
  readonly securityHubNotImported?: number | undefined;
}

/** The night's figures as the dashboard and the alarms read them, by metric name. */
export function nightlyFigures(counts: NightlyCounts): [MetricName, 'Count' | 'Percent', number][] {
  const { summary } = counts;
  return [
    ['UsersTotal', 'Count', summary.total],
    ['UsersCompliant', 'Count', summary.compliant],
    ['UsersNonCompliant', 'Count', summary['non-compliant']],
    ['UsersGracePeriod', 'Count', summary['grace-period']],
    ['UsersExempted', 'Count', summary.exempted],
    ['CompliancePercent', 'Percent', summary.compliance_percent],
    ['ConsoleUsersWithMfaPercent', 'Percent', summary.console_users_with_mfa_percent],
    ['KeyUsersWithMfaPercent', 'Percent', summary.key_users_with_mfa_percent],
    ['RootMfaEnabled', 'Count', counts.rootMfaEnabled],
    ['RootHasCredentials', 'Count', counts.rootHasCredentials],
    ['UsersWarned', 'Count', counts.warned],
    ['UsersEnforced', 'Count', counts.enforced],
    ['EnforcementFailures', 'Count', counts.enforcementFailures],
    ['RequireMfaPolicyUntrusted', 'Count', counts.requireMfaPolicyUntrusted],
    ['UsersAtTagQuota', 'Count', counts.usersAtTagQuota],
    ...(counts.securityHubNotImported === undefined
      ? []
      : [
          ['SecurityHubFindingsNotImported', 'Count', counts.securityHubNotImported] as [
            MetricName,
            'Count',
            number,
          ],
        ]),
  ];
}

/** One account's night as counts: its report, and what the run did. */
export function nightlyCounts(result: NightlyResult): NightlyCounts {
  const { account } = result.report;
  return {
    summary: result.report.summary,
    rootMfaEnabled: account.root_mfa_enabled ? 1 : 0,
    rootHasCredentials: account.root_has_credentials ? 1 : 0,
    requireMfaPolicyUntrusted: requireMfaUntrusted(result.report) ? 1 : 0,
    warned: result.warnings.filter((w) => w.mail !== 'failed').length,
    enforced: result.enforcement?.summary.by_outcome.enforced ?? 0,
    enforcementFailures: result.enforcement?.summary.by_outcome.failed ?? 0,
    usersAtTagQuota: result.usersAtTagQuota.length,
    securityHubNotImported:
      result.securityHub === undefined ? undefined : securityHubFindingsNotImported(result.securityHub),
  };
}
