import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumeRole, memberAccountClients } from '../../lambdas/aws/member-accounts.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { useMoto } from '../support/moto-harness.ts';
import { refuseAssumeRoleIn } from '../support/sample-organization.ts';

const emulator = useMoto();
const MEMBER = '210987654321';
const assumed = () => emulator.proxy.forwarded.filter((r) => r.action === 'AssumeRole').length;

afterEach(() => {
  vi.useRealTimers();
});

describe('assumeRole', () => {
  it('assumes once, and again only when the credentials are about to expire', async () => {
    const { sts } = testClients(emulator.proxy.endpoint);
    const credentials = await assumeRole(sts, `arn:aws:iam::${MEMBER}:role/AwssecIamMfaAudit`);
    const first = await credentials();
    expect(await credentials()).toBe(first);
    expect(assumed()).toBe(1);
    // moto's credentials last an hour: four minutes before the end they are renewed.
    vi.useFakeTimers({ toFake: ['Date'], now: (first.expiration?.getTime() ?? 0) - 4 * 60_000 });
    const renewed = await credentials();
    expect(assumed()).toBe(2);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
  });
});

describe('memberAccountClients', () => {
  it('makes clients that act in the member account, once per account', async () => {
    const own = testClients(emulator.proxy.endpoint);
    const members = memberAccountClients(
      own,
      'AwssecIamMfaAudit',
      testClientSettings(emulator.proxy.endpoint),
    );
    const clients = await members(MEMBER);
    expect(await members(MEMBER)).toBe(clients);
    expect((await clients.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      `arn:aws:sts::${MEMBER}:assumed-role/AwssecIamMfaAudit/awssec-iam-mfa`,
    );
    expect(assumed()).toBe(1);
  });

  it('does not keep a failure: the next event tries again', async () => {
    emulator.proxy.setRule(refuseAssumeRoleIn(MEMBER));
    const members = memberAccountClients(
      testClients(emulator.proxy.endpoint),
      'AwssecIamMfaAudit',
      testClientSettings(emulator.proxy.endpoint),
    );
    await expect(members(MEMBER)).rejects.toThrow('access denied to sts:AssumeRole');
    emulator.proxy.setRule(undefined);
    await expect(members(MEMBER)).resolves.toBeDefined();
  });
});
