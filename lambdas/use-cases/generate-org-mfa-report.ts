import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { errorText } from '../aws/aws-call-error.ts';
import { type CallerIdentity, readCallerIdentity } from '../aws/caller-identity.ts';
import type { InventoryClients } from '../aws/iam-inventory.ts';
import { memberAccountClients } from '../aws/member-accounts.ts';
import {
  createOrganizationsClient,
  listActiveAccounts,
  type OrganizationAccount,
} from '../aws/organization.ts';
import { EXEMPTION_TAG } from '../core/assessment.ts';
import { buildMfaReport, type MfaReport } from '../core/mfa-report.ts';
import { type AccountOutcome, buildOrgReport, type OrgMfaReport } from '../core/org-report.ts';
import { listItems } from '../core/user-selection.ts';
import { MEMBER_ROLE_NAMES } from '../function-contract.ts';
import {
  awsClients,
  checkReachable,
  type GenerateMfaReportOptions,
  InvalidOptionError,
  type ReportSettings,
  rangedOption,
  readScopedInventory,
  reportSettings,
} from './generate-mfa-report.ts';

/** The role `--org` assumes in each account, as the organization mode's StackSet names it. */
export const DEFAULT_AUDIT_ROLE_NAME = MEMBER_ROLE_NAMES.audit;
export const DEFAULT_ACCOUNT_CONCURRENCY = 8;

export interface OrganizationOptions {
  /** The role assumed in each account but the caller's own. @default 'AwssecIamMfaAudit' */
  readonly roleName?: string | undefined;
  /** Only these account ids: a comma-separated string or a list. @default every ACTIVE account */
  readonly accounts?: string | readonly string[] | undefined;
  /** Accounts read at once, 1 to 64. @default 8 */
  readonly concurrency?: number | undefined;
}

export interface GenerateOrgMfaReportOptions extends GenerateMfaReportOptions {
  readonly organization: OrganizationOptions;
  /** Your own Organizations client; created from the settings otherwise. */
  readonly organizationsClient?: OrganizationsClient | undefined;
}

/** IAM's role names: letters, digits and `+=,.@_-`, up to 64. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

export interface OrganizationSettings {
  readonly roleName: string;
  readonly accounts: readonly string[];
  readonly concurrency: number;
}

/** Checks the organization options before any AWS call; the message names the option. */
export function organizationSettings(options: OrganizationOptions): OrganizationSettings {
  const roleName = options.roleName ?? DEFAULT_AUDIT_ROLE_NAME;
  if (typeof roleName !== 'string' || !ROLE_NAME.test(roleName)) {
    throw new InvalidOptionError(
      `organization.roleName: '${String(roleName)}' is not an IAM role name (letters, digits and +=,.@_-, up to 64)`,
    );
  }
  let accounts: string[] = [];
  if (options.accounts !== undefined) {
    try {
      accounts = listItems(options.accounts, 'account ids');
    } catch (error) {
      throw new InvalidOptionError(`organization.accounts: ${(error as Error).message}`);
    }
    const bad = accounts.find((id) => !ACCOUNT_ID.test(id));
    if (bad !== undefined) {
      throw new InvalidOptionError(`organization.accounts: '${bad}' is not a 12-digit AWS account id`);
    }
    const twice = accounts.find((id, index) => accounts.indexOf(id) !== index);
    if (twice !== undefined) throw new InvalidOptionError(`organization.accounts: ${twice} is listed twice`);
  }
  let concurrency: number;
  try {
    concurrency = rangedOption('accountConcurrency', options.concurrency, DEFAULT_ACCOUNT_CONCURRENCY);
  } catch (error) {
    throw new InvalidOptionError(
      (error as Error).message.replace(/^accountConcurrency/, 'organization.concurrency'),
    );
  }
  return { roleName, accounts, concurrency };
}

/**
 * Reads every ACTIVE account of the organization (or those named) with the
 * same bulk inventory as one account: the caller's own with its own
 * credentials, each other one through the role assumed in it. An account
 * that cannot be assumed or read is `not-assessed`, with the error, and the
 * run goes on.
 */
export async function generateOrgMfaReport(options: GenerateOrgMfaReportOptions): Promise<OrgMfaReport> {
  const settings = reportSettings(options);
  const org = organizationSettings(options.organization);
  await checkReachable(options);
  const own = awsClients(options);
  const caller = await readCallerIdentity(own.sts);
  const listed = await listActiveAccounts(options.organizationsClient ?? createOrganizationsClient(options));
  const now = options.now ?? new Date();
  const limit = pLimit(org.concurrency);
  const outcomes = await Promise.all(
    selectAccounts(listed, org.accounts).map((account) =>
      limit(() =>
        readAccount(account, options, settings, now, () =>
          clientsIn(account.accountId, { options, own, caller, roleName: org.roleName }),
        ),
      ),
    ),
  );
  return buildOrgReport(outcomes, {
    now,
    callerAccountId: caller.accountId,
    roleName: org.roleName,
    accounts: org.accounts,
    accountConcurrency: org.concurrency,
    reportSettings: reportSettingsOf(settings, options),
  });
}

/** The accounts to read: all listed, or the named ones; a named one that is not an active member is reported. */
export function selectAccounts(
  listed: readonly OrganizationAccount[],
  named: readonly string[],
): (OrganizationAccount & { missing?: true })[] {
  if (named.length === 0) return [...listed];
  return named.map(
    (accountId) => listed.find((a) => a.accountId === accountId) ?? { accountId, name: '', missing: true },
  );
}

/**
 * Clients acting in an account: the caller's own for its own account, and
 * for any other, clients with the credentials of the role assumed there.
 */
export function clientsIn(
  accountId: string,
  from: {
    readonly options: GenerateMfaReportOptions;
    readonly own: InventoryClients;
    readonly caller: CallerIdentity;
    readonly roleName: string;
  },
): Promise<InventoryClients> {
  if (accountId === from.caller.accountId) return Promise.resolve(from.own);
  return memberAccountClients(from.own, from.roleName, from.options, from.caller.partition)(accountId);
}

/** One account's report, or why there is none: a failure is that account's outcome, never the run's. */
async function readAccount(
  account: OrganizationAccount & { missing?: true },
  options: GenerateMfaReportOptions,
  settings: ReportSettings,
  now: Date,
  clientsFor: () => InventoryClients | Promise<InventoryClients>,
): Promise<AccountOutcome> {
  const { accountId, name } = account;
  if (account.missing) return { accountId, name, error: 'not an ACTIVE account of the organization' };
  try {
    const inventory = await readScopedInventory(options, settings, await clientsFor());
    const report = buildMfaReport(inventory, {
      now,
      gracePeriodDays: settings.gracePeriodDays,
      selection: settings.selection,
      exemptionTag: options.exemptionTag,
    });
    return { accountId, name, report };
  } catch (error) {
    return { accountId, name, error: errorText(error) };
  }
}

/** The settings part of a report, the same for every account. */
export function reportSettingsOf(
  settings: ReportSettings,
  options: GenerateMfaReportOptions,
): MfaReport['settings'] {
  return {
    grace_period_days: settings.gracePeriodDays,
    include_users: [...settings.selection.include],
    include_users_unmatched: [],
    exclude_users: [...settings.selection.exclude],
    exemption_tag: options.exemptionTag ?? EXEMPTION_TAG,
    ignore_exemptions: settings.selection.ignoreExemptions === true,
  };
}
