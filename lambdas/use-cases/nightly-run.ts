import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SNSClient } from '@aws-sdk/client-sns';
import { errorText } from '../aws/aws-call-error.ts';
import { tagUser } from '../aws/iam-enforcer.ts';
import type { InventoryClients } from '../aws/iam-inventory.ts';
import { publish, sendMail } from '../aws/messaging.ts';
import { saveNightlyReport } from '../aws/report-store.ts';
import { asciiSubject, type Message, messageText, mfaWarningMail, recipientFor } from '../core/messages.ts';
import { assessInventory, buildMfaReport, type MfaReport } from '../core/mfa-report.ts';
import { patternMatcher } from '../core/user-selection.ts';
import { usersToWarn, WARNED_TAG } from '../core/warnings.ts';
import type { NightlyModeName } from '../function-contract.ts';
import { type EnforcementRun, enforceMfaCompliance, RefusedRunError } from './enforce-mfa-compliance.ts';
import { readScopedInventory, reportSettings } from './generate-mfa-report.ts';

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
}

export interface NightlyClients extends InventoryClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly ses: SESClient;
}

export interface WarningRecord {
  readonly username: string;
  readonly deadline: string;
  readonly mail: 'sent' | 'no-sender' | 'no-address' | 'failed';
  readonly recipient: string | null;
  readonly error: string | null;
}

export interface NightlyResult {
  readonly mode: NightlyMode;
  readonly report: MfaReport;
  readonly reportKeys: readonly string[];
  readonly warnings: readonly WarningRecord[];
  /** Set in enforce mode when the run went ahead (as a dry run unless apply). */
  readonly enforcement: EnforcementRun | undefined;
  /** Set in enforce mode when a guard refused the run. */
  readonly enforcementRefused: string | undefined;
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
): Promise<NightlyResult> {
  const options = {
    excludeUsers: [...settings.excludeUsers],
    gracePeriodDays: settings.gracePeriodDays,
    now,
  };
  const scope = reportSettings(options);
  const inventory = await readScopedInventory(options, scope, clients);
  const reportOptions = { now, gracePeriodDays: scope.gracePeriodDays, selection: scope.selection };
  // Assessed once: the report and tonight's warnings read the same verdicts.
  const assessments = assessInventory(inventory, reportOptions);
  const report = buildMfaReport(inventory, reportOptions, assessments);
  const reportKeys = await saveNightlyReport(clients.s3, settings.reportBucket, report);

  const warnings: WarningRecord[] = [];
  if (settings.mode !== 'report') {
    for (const { assessment, deadline } of usersToWarn(assessments, {
      now,
      warningDays: settings.warningDays,
      neverActedOn: patternMatcher(settings.breakGlass),
    })) {
      warnings.push(
        await warnUser(assessment.user, deadline, assessment.reasons, settings, clients, report, now),
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
        excludeUsers: [...settings.excludeUsers],
        gracePeriodDays: settings.gracePeriodDays,
        breakGlass: [...settings.breakGlass],
        maxUsers: settings.maxUsers,
        maxPercent: settings.maxPercent,
        disableConsoleAccess: settings.disableConsoleAccess,
        requireWarningAt: now,
      });
    } catch (error) {
      if (!(error instanceof RefusedRunError)) throw error;
      enforcementRefused = error.message;
    }
  }

  const result = { mode: settings.mode, report, reportKeys, warnings, enforcement, enforcementRefused };
  await publish(clients.sns, settings.topicArn, nightlySummary(result, settings));
  return result;
}

async function warnUser(
  user: { userName: string; tags: Readonly<Record<string, string>> },
  deadline: Date,
  exposure: readonly string[],
  settings: NightlySettings,
  clients: NightlyClients,
  report: MfaReport,
  now: Date,
): Promise<WarningRecord> {
  const recipient = recipientFor(user.userName, user.tags, settings.emailDomain);
  const base = { username: user.userName, deadline: deadline.toISOString(), recipient: recipient ?? null };
  // Not mailed, not tagged: enforcement acts only on users a mail reached a day before; the summary names the rest.
  if (settings.senderEmail === '') return { ...base, mail: 'no-sender', error: null };
  if (recipient === undefined) return { ...base, mail: 'no-address', error: null };
  try {
    await sendMail(clients.ses, {
      from: settings.senderEmail,
      to: recipient,
      message: mfaWarningMail({ userName: user.userName, accountId: report.account_id, deadline, exposure }),
    });
  } catch (failure) {
    // Not tagged: tomorrow's run tries again, and nobody is acted on without a warning on record.
    return { ...base, mail: 'failed', error: errorText(failure) };
  }
  try {
    await tagUser(clients.iam, user.userName, { [WARNED_TAG]: now.toISOString() });
  } catch (failure) {
    return {
      ...base,
      mail: 'failed',
      error: `mailed but not tagged (mailed again tomorrow): ${errorText(failure)}`,
    };
  }
  return { ...base, mail: 'sent', error: null };
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
    `Root MFA: ${report.account.root_mfa_enabled ? `enabled (${report.account.root_mfa_kind})` : 'NOT ENABLED'} · root access keys: ${report.account.root_access_keys_present ? 'PRESENT' : 'none'}`,
    ...(nonCompliant.length > 0 ? [`Non-compliant: ${names(nonCompliant)}`] : []),
    ...(report.inventory.users_unreadable.length > 0
      ? [`NOT ASSESSED (access denied): ${names(report.inventory.users_unreadable.map((u) => u.username))}`]
      : []),
    `Report: s3://${settings.reportBucket}/${result.reportKeys[0] ?? ''} (and .csv)`,
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
    result.enforcementRefused !== undefined || s['non-compliant'] > 0 || !report.account.root_mfa_enabled;
  return {
    subject: asciiSubject(
      `[awssec] MFA ${alarm ? 'ATTENTION' : 'OK'}: ${s.compliance_percent}% compliant, ${s['non-compliant']} non-compliant in ${report.account_id}`,
    ),
    text: messageText(lines),
  };
}
