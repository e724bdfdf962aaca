import type { AwsClientSettings } from '../aws/aws-clients.ts';
import type { FUNCTION_ENV } from '../function-contract.ts';
import type { HandlerLogger } from '../handler-support.ts';
import { rangedValue, requiredValue } from '../handler-support.ts';
import { nightlySettingsFrom } from '../nightly/nightly.ts';
import type { NightlyClients } from '../use-cases/nightly-run.ts';
import {
  type AccountNightlyResult,
  notAssessed,
  type OrgNightlySettings,
  runAccountNightly,
} from '../use-cases/org-nightly-run.ts';

/** The organization's nightly settings from the environment (FUNCTION_ENV.accountNightly, or orgReport's). */
export function orgNightlySettingsFrom(
  env: Record<(typeof FUNCTION_ENV.accountNightly)[number], string>,
): OrgNightlySettings {
  return {
    ...nightlySettingsFrom(env),
    memberRoleName: requiredValue('MEMBER_ROLE_NAME', env.MEMBER_ROLE_NAME),
    accountConcurrency: rangedValue('ACCOUNT_CONCURRENCY', env.ACCOUNT_CONCURRENCY, 'accountConcurrency'),
  };
}

/** An item of the Map state: `{ accountId, name }`, as the list step gives it. */
function accountOf(event: unknown): { accountId: string; name: string } | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { accountId, name } = event as Record<string, unknown>;
  return typeof accountId === 'string' && /^\d{12}$/.test(accountId)
    ? { accountId, name: typeof name === 'string' ? name : '' }
    : undefined;
}

/**
 * One account of the organization's night (runAccountNightly): its result
 * is always returned, `not-assessed` with the reason when the account could
 * not be run, so the Map state goes on with the others.
 */
export function createAccountNightlyHandler(deps: {
  settings: OrgNightlySettings;
  clients: NightlyClients & { readonly settings: AwsClientSettings };
  logger: HandlerLogger;
  now?: () => Date;
}) {
  return async (event: unknown): Promise<AccountNightlyResult> => {
    const account = accountOf(event);
    if (account === undefined) {
      deps.logger.error('not an account of the Map state', { event });
      return notAssessed({ accountId: 'unknown', name: '' }, 'the step was given no 12-digit accountId');
    }
    const result = await runAccountNightly(account, deps.settings, deps.clients, deps.now?.() ?? new Date());
    if (result.status === 'not-assessed') {
      deps.logger.warn('account not assessed', { accountId: account.accountId, reason: result.reason });
    } else {
      deps.logger.info('account assessed', { ...result });
    }
    return result;
  };
}
