import { IAMClient, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import {
  awsClientConfig,
  createIamClient,
  isThrottling,
  withNetworkBudget,
} from '../../lambdas/aws/aws-clients.ts';
import { quickRetries, testClientSettings, testClients } from '../support/aws.ts';
import { awsErrorXml } from '../support/aws-proxy.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedUsers } from '../support/seed.ts';

/** AWS's throttling answer whenever more than this many ListMFADevices calls are under way. */
const AWS_TAKES = 4;

describe('each operation finds how many calls AWS takes at once', () => {
  const emulator = useMoto(async (moto) => {
    await seedUsers(testClients(moto.endpoint).iam, moto, [{ name: 'alice', mfa: ['virtual'] }]);
  });

  async function burst(iam: IAMClient): Promise<{ throttled: number; failed: number }> {
    let throttled = 0;
    emulator.proxy.setDelay(20);
    emulator.proxy.setRule(({ action, inFlight }) => {
      if (action !== 'ListMFADevices' || (inFlight ?? 0) <= AWS_TAKES) return undefined;
      throttled += 1;
      return { respond: { status: 400, body: awsErrorXml('Throttling', 'Rate exceeded') } };
    });
    const results = await Promise.allSettled(
      Array.from({ length: 80 }, () => iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))),
    );
    emulator.proxy.setRule(undefined);
    emulator.proxy.setDelay(0);
    return { throttled, failed: results.filter((r) => r.status === 'rejected').length };
  }

  it('backs off when throttled, so that a burst of calls all succeed with few throttles', async () => {
    const settings = { ...testClientSettings(emulator.proxy.endpoint), retryStrategy: quickRetries(10) };
    const gated = await burst(createIamClient(settings));
    const ungated = await burst(withNetworkBudget(new IAMClient(awsClientConfig(settings))));
    expect(gated.failed).toBe(0);
    expect(gated.throttled).toBeGreaterThan(0);
    // Without the gates every retry comes back into the same crowd, until the
    // throttled calls have drawn the SDK's retry quota dry and calls fail.
    expect(gated.throttled).toBeLessThan(ungated.throttled);
    expect(ungated.failed).toBeGreaterThan(0);
  });

  it('knows AWS’s ways of saying slow down, and not a quota for one', () => {
    const error = (name: string, status = 400) =>
      Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
    expect(isThrottling(error('Throttling'))).toBe(true);
    expect(isThrottling(error('ThrottlingException'))).toBe(true);
    expect(isThrottling(error('SomethingElse', 429))).toBe(true);
    expect(isThrottling(error('LimitExceededException', 409))).toBe(false);
    expect(isThrottling(error('AccessDenied', 403))).toBe(false);
    expect(isThrottling('Throttling')).toBe(false);
  });
});
