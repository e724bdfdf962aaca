import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { allTestClients, quickRetries, testClientSettings } from '../support/aws.ts';
import type { ProxiedRequest } from '../support/aws-proxy.ts';
import { type FaultConfig, faultRule } from '../support/fault-rule.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedSampleAccount } from '../support/sample-account.ts';
import { type SeedUser, seedUsers } from '../support/seed.ts';

/**
 * The tool under the faults a large, busy account produces: throttling, 5xx,
 * AccessDenied on one user, a user deleted mid-run, a credential report that
 * never finishes. Faults are answered by the proxy in moto's place, so
 * whatever reaches moto really happened, once.
 */

export const WRITES = new Set([
  'UpdateAccessKey',
  'AttachUserPolicy',
  'CreatePolicy',
  'DeleteLoginProfile',
  'TagUser',
]);
// Enough attempts that 35% faulted calls never exhaust them: 0.35^15 ≈ 1.5e-7 a call.
export const PATIENT = { maxAttempts: 15 };

/** 24 more users, most without MFA, so throttling has something to bite on. */
const EXTRA_USERS: SeedUser[] = Array.from({ length: 24 }, (_, i) => ({
  name: `dev-${String(i).padStart(2, '0')}`,
  console: i % 2 === 0,
  accessKeys: i % 3 === 0 ? ['active'] : [],
  mfa: i % 4 === 0 ? ['virtual'] : i % 5 === 0 ? ['hardware-totp'] : [],
}));

/** The sample account and 24 more users in moto, behind the proxy that answers the faults. */
export function useFaultAccount() {
  const emulator = useMoto(
    async (moto) => {
      const { iam } = allTestClients(moto.endpoint);
      await seedSampleAccount(iam, moto);
      await seedUsers(iam, moto, EXTRA_USERS);
    },
    { reseedOnlyAfterChanges: true },
  );

  function withFaults(config: FaultConfig) {
    const faults = faultRule(config);
    emulator.proxy.setRule(faults.rule);
    return faults.stats;
  }

  const settings = () => ({
    ...testClientSettings(emulator.proxy.endpoint),
    ...PATIENT,
    retryStrategy: quickRetries(PATIENT.maxAttempts),
  });
  return { emulator, withFaults, settings };
}

export const verdicts = (report: MfaReport) => report.users.map((u) => [u.username, u.status, u.risk]);

/** Each write that reached emulator.moto, keyed by what it changed: a key seen twice is a duplicate write. */
export function duplicateWrites(requests: readonly ProxiedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const { action, params } of requests) {
    if (!WRITES.has(action)) continue;
    // A TagUser is known by the tags it writes: warning tonight and enforcing tomorrow are two writes.
    const tagKeys = [...params]
      .filter(([name]) => /^Tags\.member\.\d+\.Key$/.test(name))
      .map(([, value]) => value);
    const key = [
      action,
      params.get('UserName'),
      params.get('AccessKeyId'),
      params.get('PolicyArn'),
      ...tagKeys,
    ].join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([key]) => key);
}
