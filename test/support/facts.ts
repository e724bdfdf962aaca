import { mfaDeviceKind } from '../../lambdas/core/mfa-device-kind.ts';
import type { AccountInventory, MfaDevice, UserFacts } from '../../lambdas/core/user-facts.ts';

export const NOW = new Date('2026-11-22T12:00:00Z');
const DAY_MS = 86_400_000;

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY_MS);
}

export function device(serialNumber: string): MfaDevice {
  return { serialNumber, kind: mfaDeviceKind(serialNumber), enabledAt: daysAgo(30) };
}

export const VIRTUAL = 'arn:aws:iam::123456789012:mfa/phone';
export const FIDO = 'arn:aws:iam::123456789012:u2f/user/x/yubikey-ABCDEF';
export const TOKEN = 'GAKT12345678';

/** A user 400 days old with nothing: no MFA, no password, no key. */
export function userFacts(
  userName: string,
  overrides: Partial<Omit<UserFacts, 'userName'>> & { ageDays?: number } = {},
): UserFacts {
  const { ageDays = 400, ...rest } = overrides;
  return {
    userName,
    arn: `arn:aws:iam::123456789012:user/${userName}`,
    createdAt: daysAgo(ageDays),
    tags: {},
    mfaDevices: [],
    consolePassword: false,
    accessKeys: [],
    ...rest,
  };
}

export const ACTIVE_KEY = { active: true, createdAt: daysAgo(100) } as const;
export const INACTIVE_KEY = { active: false, createdAt: daysAgo(100) } as const;

export function inventoryOf(
  users: readonly UserFacts[],
  overrides: Partial<AccountInventory['account']> = {},
): AccountInventory {
  const account: AccountInventory['account'] = {
    accountId: '123456789012',
    root: { mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true },
    groups: [],
    requireMfaPolicy: {
      arn: 'arn:aws:iam::123456789012:policy/RequireMFA',
      status: 'canonical',
      defaultVersionId: 'v1',
    },
  };
  return {
    account: { ...account, ...overrides },
    users,
    source: {
      kind: 'bulk',
      credentialReportGeneratedAt: daysAgo(0),
      usersReadLive: 0,
      usersInAccount: users.length,
      usersDeletedDuringRun: [],
      usersUnreadable: [],
    },
  };
}
