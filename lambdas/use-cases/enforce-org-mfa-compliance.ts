import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { errorText } from '../aws/aws-call-error.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import type { InventoryClients } from '../aws/iam-inventory.ts';
import {
  createOrganizationsClient,
  listActiveAccounts,
  type OrganizationAccount,
} from '../aws/organization.ts';
import { blastRadiusExceeded, DEFAULT_BLAST_RADIUS } from '../core/enforcement.ts';
import type { AccountInventory } from '../core/user-facts.ts';
import { MEMBER_ROLE_NAMES } from '../function-contract.ts';
import {
  type EnforceMfaComplianceOptions,
  type EnforcementRun,
  enforceMfaCompliance,
  RefusedRunError,
  type UserOutcome,
} from './enforce-mfa-compliance.ts';
import {
  awsClients,
  checkReachable,
  patterns,
  rangedOption,
  readScopedInventory,
  reportSettings,
} from './generate-mfa-report.ts';
import {
  clientsIn,
  type OrganizationOptions,
  organizationSettings,
  selectAccounts,
} from './generate-org-mfa-report.ts';

/** The role `enforce --org` assumes in each account, as the organization mode's StackSet names it. */
export const DEFAULT_ENFORCE_ROLE_NAME = MEMBER_ROLE_NAMES.enforce;

export interface EnforceOrgMfaComplianceOptions extends Omit<EnforceMfaComplianceOptions, 'inventory'> {
  /** `roleName` is the enforce role (default AwssecIamMfaEnforce): it re-checks each target and, with dryRun false, acts. */
  readonly organization: OrganizationOptions;
  readonly organizationsClient?: OrganizationsClient | undefined;
}

export interface OrgEnforcementAccount {
  readonly account_id: string;
  readonly account_name: string;
  /** `not-assessed`: the account could not be read or planned, so nothing was done in it. */
  readonly status: 'planned' | 'applied' | 'not-assessed';
  readonly reason: string | null;
  /** The account's own run (plan or result), as `enforce` prints it for one account. */
  readonly run: EnforcementRun | null;
}

/** `enforce --org`'s result: the guard over the organization, then each account's run. */
export interface OrgEnforcementRun {
  readonly generated_at: string;
  readonly caller_account_id: string;
  readonly dry_run: boolean;
  readonly guard: {
    readonly targets: number;
    readonly users_in_organization: number;
    readonly max_users: number;
    readonly max_percent: number;
    readonly force: boolean;
    /** Why --apply would be (or, with --force, was allowed to be) refused over the organization; null within. */
    readonly exceeded: string | null;
    /** Accounts whose own plan is above the limits. */
    readonly accounts_exceeded: readonly string[];
  };
  readonly summary: {
    readonly accounts: number;
    readonly accounts_not_assessed: number;
    readonly by_outcome: Readonly<Record<UserOutcome, number>>;
  };
  readonly accounts: readonly OrgEnforcementAccount[];
  readonly settings: {
    readonly role_name: string;
    readonly accounts: readonly string[];
    readonly account_concurrency: number;
  };
}

interface Planned {
  readonly account: OrganizationAccount;
  readonly clients: InventoryClients;
  readonly inventory: AccountInventory;
  readonly plan: EnforcementRun;
}

/**
 * Plans every account (a dry run each, with that account's guards), holds
 * the sum to `maxUsers` and `maxPercent` over the organization, and only then,
 * with `dryRun: false`, acts in each account on the inventory it planned
 * from. A refusal — the organization or any account above its limits, or an
 * account that could not be planned — is thrown before anything changes
 * anywhere (RefusedRunError).
 */
export async function enforceOrgMfaCompliance(
  options: EnforceOrgMfaComplianceOptions,
): Promise<OrgEnforcementRun> {
  const settings = reportSettings(options);
  const org = organizationSettings({
    ...options.organization,
    roleName: options.organization.roleName ?? DEFAULT_ENFORCE_ROLE_NAME,
  });
  const limits = {
    maxUsers: rangedOption('maxUsers', options.maxUsers, DEFAULT_BLAST_RADIUS.maxUsers),
    maxPercent: rangedOption('maxPercent', options.maxPercent, DEFAULT_BLAST_RADIUS.maxPercent),
  };
  patterns('breakGlass', options.breakGlass);
  const dryRun = options.dryRun ?? true;
  const force = options.force ?? false;
  const now = options.now ?? new Date();
  await checkReachable(options);
  const own = awsClients(options);
  const caller = await readCallerIdentity(own.sts);
  const listed = await listActiveAccounts(options.organizationsClient ?? createOrganizationsClient(options));
  const perAccount = (clients: InventoryClients): EnforceMfaComplianceOptions => ({
    ...options,
    iamClient: clients.iam,
    stsClient: clients.sts,
    now,
    onProgress: undefined,
  });

  const limit = pLimit(org.concurrency);
  const planned = await Promise.all(
    selectAccounts(listed, org.accounts).map((account) =>
      limit(async (): Promise<Planned | { account: OrganizationAccount; error: string }> => {
        if (account.missing) return { account, error: 'not an ACTIVE account of the organization' };
        try {
          const clients = await clientsIn(account.accountId, {
            options,
            own,
            caller,
            roleName: org.roleName,
          });
          const inventory = await readScopedInventory(options, settings, clients);
          const plan = await enforceMfaCompliance({ ...perAccount(clients), inventory, dryRun: true });
          return { account, clients, inventory, plan };
        } catch (error) {
          return { account, error: errorText(error) };
        }
      }),
    ),
  );

  const plans = planned.flatMap((p) => ('plan' in p ? [p] : []));
  const unplanned = planned.flatMap((p) => ('error' in p ? [p] : []));
  const targets = plans.reduce((sum, p) => sum + p.plan.guard.targets, 0);
  const usersInOrganization = plans.reduce((sum, p) => sum + p.plan.guard.users_in_account, 0);
  const exceeded = blastRadiusExceeded(targets, usersInOrganization, limits, 'organization');
  const accountsExceeded = plans
    .filter((p) => p.plan.guard.exceeded !== null)
    .map((p) => p.account.accountId);

  if (!dryRun) {
    if (unplanned.length > 0) {
      throw new RefusedRunError(
        `refused: ${unplanned.map((u) => `account ${u.account.accountId} could not be planned (${u.error})`).join('; ')}; nothing was changed in any account. Fix it, or leave it out with --accounts`,
      );
    }
    if (!force && (exceeded !== undefined || accountsExceeded.length > 0)) {
      const why = [
        ...(exceeded === undefined ? [] : [`over the organization, ${exceeded}`]),
        ...accountsExceeded.map(
          (id) => `account ${id}: ${plans.find((p) => p.account.accountId === id)?.plan.guard.exceeded}`,
        ),
      ].join('; ');
      throw new RefusedRunError(
        `refused: ${why}; nothing was changed in any account. Review the plan (the same command without --apply), then raise the limit or add --force`,
      );
    }
  }

  // Acting: each account from the inventory its plan was made from, so no account does more than planned.
  const applied = dryRun
    ? plans.map((p) => ({ ...p, run: p.plan }))
    : await Promise.all(
        plans.map((p) =>
          limit(async () => ({
            ...p,
            run: await enforceMfaCompliance({
              ...perAccount(p.clients),
              inventory: p.inventory,
              dryRun: false,
            }),
          })),
        ),
      );
  const accounts: OrgEnforcementAccount[] = [
    ...unplanned.map(({ account, error }) => ({
      account_id: account.accountId,
      account_name: account.name,
      status: 'not-assessed' as const,
      reason: error,
      run: null,
    })),
    ...applied.map(({ account, run }) => ({
      account_id: account.accountId,
      account_name: account.name,
      status: dryRun ? ('planned' as const) : ('applied' as const),
      reason: null,
      run,
    })),
  ].sort(
    (a, b) => (a.run === null ? 0 : 1) - (b.run === null ? 0 : 1) || a.account_id.localeCompare(b.account_id),
  );

  const byOutcome = {} as Record<UserOutcome, number>;
  for (const { run } of applied) {
    for (const [outcome, count] of Object.entries(run.summary.by_outcome) as [UserOutcome, number][]) {
      byOutcome[outcome] = (byOutcome[outcome] ?? 0) + count;
    }
  }
  return {
    generated_at: now.toISOString(),
    caller_account_id: caller.accountId,
    dry_run: dryRun,
    guard: {
      targets,
      users_in_organization: usersInOrganization,
      max_users: limits.maxUsers,
      max_percent: limits.maxPercent,
      force,
      exceeded: exceeded ?? null,
      accounts_exceeded: accountsExceeded,
    },
    summary: { accounts: accounts.length, accounts_not_assessed: unplanned.length, by_outcome: byOutcome },
    accounts,
    settings: { role_name: org.roleName, accounts: [...org.accounts], account_concurrency: org.concurrency },
  };
}
