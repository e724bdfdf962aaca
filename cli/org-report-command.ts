import { readFile } from 'node:fs/promises';
import type { OrgMfaReport } from '../lambdas/core/org-report.ts';
import { InvalidOptionError } from '../lambdas/use-cases/generate-mfa-report.ts';
import {
  generateOrgMfaReport,
  type OrganizationOptions,
  organizationSettings,
} from '../lambdas/use-cases/generate-org-mfa-report.ts';
import type { CommandContext, FlagSelection, ReportFlags } from './report-command.ts';
import { formatReport, saveFormat, saveReport } from './report-output.ts';
import { styleFor } from './terminal.ts';
import { UsageError } from './usage-error.ts';

/** The API's option names, as the command line spells them. */
const FLAG_NAMES: Record<string, string> = {
  'organization.roleName': '--role-name',
  'organization.accounts': '--accounts',
  accountConcurrency: '--account-concurrency',
};

/** `--accounts 111111111111,222222222222`, or `@FILE`: ids separated by commas, spaces or lines, `#` comments. */
async function accountList(value: string | undefined): Promise<string | string[] | undefined> {
  if (value === undefined || !value.startsWith('@')) return value;
  const path = value.slice(1);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`--accounts: cannot read ${path} (${code}); give a readable file of account ids`);
  }
  const ids = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(',')
    .split(/[\s,]+/)
    .filter((id) => id !== '');
  if (ids.length === 0) throw new UsageError(`--accounts: ${path} names no account; give one id a line`);
  return ids;
}

/** The flags that choose the organization's accounts and role, in either command. */
export interface OrganizationFlags {
  readonly roleName?: string | undefined;
  readonly accounts?: string | undefined;
  readonly accountConcurrency?: number | undefined;
  /** The flag the role is named with: `--role-name` (report), `--enforce-role-name` (enforce). */
  readonly roleFlag?: string | undefined;
}

/** The organization's options from the flags, checked before any AWS call; errors name the flags. */
export async function organizationFromFlags(flags: OrganizationFlags): Promise<OrganizationOptions> {
  const options = {
    roleName: flags.roleName,
    accounts: await accountList(flags.accounts),
    concurrency: flags.accountConcurrency,
  };
  try {
    organizationSettings(options);
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const names: Record<string, string> = {
      ...FLAG_NAMES,
      'organization.roleName': flags.roleFlag ?? '--role-name',
    };
    const message = error.message.replace(/^([\w.]+)(?=[: ])/, (name) => names[name] ?? name);
    throw new UsageError(message);
  }
  return options;
}

/** `report --org`: every account of the organization, one report. Exit 1 when an account was not assessed. */
export async function runOrgReport(
  flags: ReportFlags,
  selection: FlagSelection,
  context: CommandContext,
): Promise<{ code: number; report: OrgMfaReport }> {
  const { io } = context;
  const report = await generateOrgMfaReport({
    ...context.aws,
    source: flags.source,
    credentialReportTimeoutMs: flags.reportTimeout * 1000,
    gracePeriodDays: flags.gracePeriodDays,
    ...selection,
    now: context.now?.(),
    organization: await organizationFromFlags(flags),
  });
  io.stdout.write(
    formatReport(report, flags.output === 'asff' ? 'json' : flags.output, styleFor(io.stdout, io.env)),
  );
  if (flags.saveReport !== undefined) {
    const format = saveFormat(flags.saveReport, flags.output === 'asff' ? 'json' : flags.output);
    await saveReport(flags.saveReport, report, format);
    io.stderr.write(`Saved the ${format} report to ${flags.saveReport}\n`);
  }
  const name = context.programName ?? 'awssec';
  const missed = report.accounts.filter((account) => account.status === 'not-assessed');
  for (const account of missed) {
    io.stderr.write(`${name}: account ${account.account_id} was not assessed: ${account.reason ?? ''}\n`);
  }
  return { code: missed.length > 0 ? 1 : 0, report };
}
