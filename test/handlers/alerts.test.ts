import { readFile } from 'node:fs/promises';
import {
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { createAlertsHandler } from '../../lambdas/alerts/alerts.ts';
import { allTestClients, TEST_ACCOUNT_ID } from '../support/aws.ts';
import { awsErrorXml } from '../support/aws-proxy.ts';
import { useMoto } from '../support/moto-harness.ts';
import { createAlertTable, publishedMessages, recordingLogger } from '../support/moto-records.ts';

const TABLE = 'awssec-alerts';
const NOW = new Date('2026-11-20T08:15:05Z');

let topicArn: string;
let iam: IAMClient;

const emulator = useMoto(
  async (moto) => {
    const clients = allTestClients(moto.endpoint);
    iam = clients.iam;
    topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
    await createAlertTable(clients.dynamodb, TABLE);
  },
  { reseedOnlyAfterChanges: true },
);

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

function alerts(now: () => Date = () => NOW, maxAttempts = 3) {
  const recorder = recordingLogger();
  const handler = createAlertsHandler({
    settings: { topicArn, alertTable: TABLE, windowMinutes: 60 },
    accountId: TEST_ACCOUNT_ID,
    clients: allTestClients(emulator.proxy.endpoint, { maxAttempts }),
    logger: recorder.logger,
    now,
  });
  return { handler, logs: recorder.entries };
}

const messages = () => publishedMessages(emulator.moto, topicArn);

interface SignInDetail {
  sourceIPAddress: string;
  userAgent: string;
  additionalEventData: { MFAUsed: string };
}

describe('alerts handler', () => {
  it('publishes a readable alert for a console sign-in without MFA: who, when, from where, what to do', async () => {
    const { handler } = alerts();
    expect(await handler(await fixture('console-login-no-mfa'))).toBe('published');
    const [message, ...more] = await messages();
    expect(more).toEqual([]);
    expect(message?.subject).toBe('[awssec] Console sign-in without MFA: bob.wilson in 123456789012');
    expect(message?.message).toContain('IAM user bob.wilson signed in to the console without MFA.');
    expect(message?.message).toContain('When:  2026-11-20T08:15:02Z');
    expect(message?.message).toContain('Who:   arn:aws:iam::123456789012:user/bob.wilson');
    expect(message?.message).toContain('Source IP (as recorded): 203.0.113.45');
    expect(message?.message).toContain(
      'User agent (as the request claimed): Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
    );
    expect(message?.message).toContain('Recorded in region: us-east-1\n');
    expect(message?.message).toContain(
      'awssec iam-mfa enforce --include-users bob.wilson --disable-console-access --apply',
    );
  });

  it('says a sign-in recorded in another region was forwarded, and alerts on it as on any other', async () => {
    const { handler } = alerts();
    const event = await fixture('console-login-no-mfa-eu-west-1');
    expect(event.region).toBe('eu-west-1');
    expect(await handler(event)).toBe('published');
    const [message, ...more] = await messages();
    expect(more).toEqual([]);
    expect(message?.subject).toBe('[awssec] Console sign-in without MFA: bob.wilson in 123456789012');
    expect(message?.message).toContain('IAM user bob.wilson signed in to the console without MFA.');
    expect(message?.message).toContain('Recorded in region: eu-west-1 (forwarded to us-east-1)\n');
    expect(message?.message).not.toContain('Recorded in region: us-east-1');
  });

  it('says so when the event names no region', async () => {
    const event = await fixture('console-login-no-mfa-eu-west-1');
    delete event.region;
    delete (event.detail as { awsRegion?: string }).awsRegion;
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    expect((await messages())[0]?.message).toContain('Recorded in region: (not recorded)\n');
  });

  it('drops a forwarded sign-in of another account, as any other', async () => {
    const event = { ...(await fixture('console-login-no-mfa-eu-west-1')), account: '999999999999' };
    const { handler, logs } = alerts();
    expect(await handler(event)).toBe('dropped');
    expect(logs[0]?.attributes.reason).toMatch(/^an event of another account \(account 999999999999,/);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('sends at most one alert per user and kind an hour; the next hour alerts again', async () => {
    const event = await fixture('console-login-no-mfa');
    const later = (minutes: number) => ({ ...event, id: `later-${minutes}` });
    let now = NOW;
    const { handler } = alerts(() => now);
    expect(await handler(event)).toBe('published');
    now = new Date(NOW.getTime() + 59 * 60_000);
    expect(await handler(later(59))).toBe('suppressed');
    // Another kind for another user is not held back.
    expect(await handler(await fixture('root-signin'))).toBe('published');
    now = new Date(NOW.getTime() + 61 * 60_000);
    expect(await handler(later(61))).toBe('published');
    expect((await messages()).map((m) => m.subject)).toEqual([
      '[awssec] Console sign-in without MFA: bob.wilson in 123456789012',
      '[awssec] Root user sign-in: root in 123456789012',
      '[awssec] Console sign-in without MFA: bob.wilson in 123456789012',
    ]);
  });

  it('keeps alerts about different calls apart: deleting a spare device does not hide deactivating MFA', async () => {
    const deleted = await fixture('delete-virtual-mfa-device');
    const deactivated = await fixture('deactivate-mfa-device');
    (deactivated.detail as { requestParameters: { userName: string } }).requestParameters.userName =
      'john.doe';
    const { handler } = alerts();
    expect(await handler(deleted)).toBe('published');
    expect(await handler(deactivated)).toBe('published');
    expect((await messages()).map((m) => m.subject)).toEqual([
      '[awssec] MFA device removed: john.doe in 123456789012',
      '[awssec] MFA device removed: john.doe in 123456789012',
    ]);
  });

  it('sends the alert on a retry after the publish failed, and only once', async () => {
    let failPublish = true;
    emulator.proxy.setRule(({ action }) =>
      action === 'Publish' && failPublish
        ? { respond: { status: 500, body: awsErrorXml('InternalError', 'try again', 'Receiver') } }
        : undefined,
    );
    const event = await fixture('console-login-no-mfa');
    const { handler } = alerts(() => NOW, 1);
    await expect(handler(event)).rejects.toThrow('sns:Publish failed');
    failPublish = false;
    expect(await handler(event)).toBe('published'); // the same event, retried
    expect(await handler({ ...event, id: 'another' })).toBe('suppressed');
    expect(await messages()).toHaveLength(1);
  });

  it('sends nothing for a retry of an event whose alert already went out', async () => {
    const event = await fixture('console-login-no-mfa');
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    expect(await handler(event)).toBe('suppressed');
    expect(await messages()).toHaveLength(1);
  });

  it('never holds back a root sign-in without MFA, nor a sign-in from another address', async () => {
    const rootWithMfa = await fixture('root-signin');
    const rootWithoutMfa = structuredClone(rootWithMfa) as typeof rootWithMfa & { detail: SignInDetail };
    rootWithoutMfa.id = 'root-without-mfa';
    rootWithoutMfa.detail.additionalEventData.MFAUsed = 'No';
    rootWithoutMfa.detail.sourceIPAddress = '198.51.100.66';
    const bob = (await fixture('console-login-no-mfa')) as Record<string, unknown> & { detail: SignInDetail };
    const bobElsewhere = structuredClone(bob);
    bobElsewhere.id = 'bob-elsewhere';
    bobElsewhere.detail.sourceIPAddress = '198.51.100.66';
    let now = NOW;
    const { handler } = alerts(() => now);
    expect(await handler(rootWithMfa)).toBe('published');
    now = new Date(NOW.getTime() + 10 * 60_000);
    expect(await handler(rootWithoutMfa)).toBe('published');
    expect(await handler({ ...rootWithoutMfa, id: 'root-without-mfa-again' })).toBe('published');
    expect(await handler({ ...rootWithMfa, id: 'root-with-mfa-again' })).toBe('suppressed');
    expect(await handler(bob)).toBe('published');
    expect(await handler(bobElsewhere)).toBe('published');
    expect(await handler({ ...bob, id: 'bob-again' })).toBe('suppressed');
    const sent = await messages();
    expect(sent.map((m) => m.subject)).toEqual([
      '[awssec] Root user sign-in: root in 123456789012',
      '[awssec] Root user sign-in: root in 123456789012',
      '[awssec] Root user sign-in: root in 123456789012',
      '[awssec] Console sign-in without MFA: bob.wilson in 123456789012',
      '[awssec] Console sign-in without MFA: bob.wilson in 123456789012',
    ]);
    expect(sent[1]?.message).toContain('the root user signed in to the console WITHOUT MFA.');
  });

  it('publishes the alert when the user agent is 300 KB: cut to a readable length, labelled as claimed', async () => {
    const event = (await fixture('console-login-no-mfa')) as Record<string, unknown> & {
      detail: SignInDetail;
    };
    event.detail.userAgent = `${'A'.repeat(300 * 1024)}`;
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    const [message] = await messages();
    expect(message?.message).toContain(
      `User agent (as the request claimed): ${'A'.repeat(300)}… [cut: 307200 characters in all]\n`,
    );
    expect(Buffer.byteLength(message?.message ?? '', 'utf8')).toBeLessThan(64 * 1024);
  });

  it('shows values from the event without control characters: a forged line stays on its line', async () => {
    const event = (await fixture('enable-mfa-device-access-key')) as Record<string, unknown> & {
      detail: Record<string, unknown> & { requestParameters: Record<string, string> };
    };
    event.detail.errorCode = 'AccessDenied';
    event.detail.requestParameters.userName = 'x\n\nAll clear: nothing to do.\u001b[2J\u001b]0;owned\u0007';
    event.detail.userAgent = 'curl/8\r\nWhen:  2020-01-01T00:00:00Z\u009b2J';
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    const [message] = await messages();
    const text = message?.message ?? '';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what the test looks for
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.split('\n').filter((line) => /^(All clear|When:)/.test(line))).toEqual([
      'When:  2026-11-20T13:40:12Z',
    ]);
    expect(text).toContain('User agent (as the request claimed): curl/8  When:  2020-01-01T00:00:00Z\n');
  });

  it.each([
    ['root-signin', 'Root user sign-in: root', 'the root user signed in to the console (with MFA).'],
    [
      'deactivate-mfa-device',
      'MFA device removed: jane.smith',
      'DeactivateMFADevice removed an MFA device of IAM user jane.smith (arn:aws:iam::123456789012:u2f/user/jane.smith/fido-key-0), by arn:aws:sts::123456789012:assumed-role/Admin/admin-session.',
    ],
    [
      'delete-virtual-mfa-device',
      'MFA device removed: john.doe',
      'DeleteVirtualMFADevice deleted the virtual MFA device arn:aws:iam::123456789012:mfa/john-phone, by arn:aws:iam::123456789012:user/john.doe.',
    ],
    ['root-deactivate-mfa-device', 'MFA device removed: root', 'removed an MFA device of the root user'],
  ])('alerts on %s', async (name, subject, text) => {
    const { handler } = alerts();
    expect(await handler(await fixture(name))).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe(`[awssec] ${subject} in 123456789012`);
    expect(message?.message).toContain(text);
  });

  it.each([
    ['console-login-mfa', 'signed in with MFA'],
    ['federated-signin', "a sign-in as AssumedRole (federated or role): not an IAM user's MFA"],
    ['console-login-failure', 'a failed sign-in: nobody got in'],
  ])('sends nothing for %s', async (name, reason) => {
    const event = await fixture(name);
    const { handler, logs } = alerts();
    expect(await handler(event)).toBe('ignored');
    expect(logs).toEqual([{ level: 'info', message: 'no alert', attributes: { eventId: event.id, reason } }]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it.each([
    ['create-user', 'not an event this function handles (source aws.iam, AWS API Call via CloudTrail)'],
    [
      'malformed-create-user',
      'not an event this function handles (source aws.iam, AWS API Call via CloudTrail)',
    ],
  ])('logs %s with its id and drops it without throwing', async (name, reason) => {
    const event = await fixture(name);
    const { handler, logs } = alerts();
    expect(await handler(event)).toBe('dropped');
    expect(logs).toEqual([
      {
        level: 'warn',
        message: 'dropped an event this function does not handle',
        attributes: { eventId: event.id, reason },
      },
    ]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it.each([
    ['the envelope names another account', { account: '999999999999' }, {}],
    ['CloudTrail recorded it for another account', {}, { recipientAccountId: '999999999999' }],
    ['it names no recipient account', {}, { recipientAccountId: undefined }],
  ])('drops a root sign-in when %s, with a warning and no AWS call', async (_, envelope, detail) => {
    const event = await fixture('root-signin');
    const altered = { ...event, ...envelope, detail: { ...(event.detail as object), ...detail } };
    const { handler, logs } = alerts();
    expect(await handler(altered)).toBe('dropped');
    expect(logs).toEqual([
      {
        level: 'warn',
        message: 'dropped an event this function does not handle',
        attributes: {
          eventId: event.id,
          reason: expect.stringMatching(
            /^an event of another account \(account \S+, recipientAccountId \S+; this function serves 123456789012\): events of other accounts are not handled$/,
          ),
        },
      },
    ]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('drops a sign-in event that lost its user name', async () => {
    const event = await fixture('console-login-no-mfa');
    const detail = event.detail as { userIdentity: Record<string, unknown> };
    delete detail.userIdentity.userName;
    const { handler } = alerts();
    expect(await handler(event)).toBe('dropped');
  });
});

const REQUIRE_MFA_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;
const ADMIN = 'arn:aws:sts::123456789012:assumed-role/Admin/admin-session';

type ApiEvent = Record<string, unknown> & {
  id: string;
  detail: Record<string, unknown> & {
    requestParameters: Record<string, unknown>;
    userIdentity: Record<string, unknown>;
  };
};
const apiEvent = async (name: string) => (await fixture(name)) as ApiEvent;

describe('alerts on the RequireMFA policy', () => {
  it.each([
    [
      'require-mfa-create-policy-version',
      'RequireMFA policy changed: CreatePolicyVersion',
      `${ADMIN} created version v2 of RequireMFA (${REQUIRE_MFA_ARN}) as its default version: the document every user with RequireMFA gets.`,
    ],
    [
      'require-mfa-set-default-policy-version',
      'RequireMFA policy changed: SetDefaultPolicyVersion',
      `${ADMIN} made version v3 the default version of RequireMFA (${REQUIRE_MFA_ARN})`,
    ],
    [
      'require-mfa-delete-policy-version',
      'RequireMFA policy changed: DeletePolicyVersion',
      `${ADMIN} deleted version v1 of RequireMFA (${REQUIRE_MFA_ARN}).`,
    ],
    [
      'require-mfa-delete-policy',
      'RequireMFA policy changed: DeletePolicy (refused)',
      `${ADMIN} tried to delete the policy RequireMFA (${REQUIRE_MFA_ARN}).\nAWS refused the call (DeleteConflict): nothing changed, but it was attempted.`,
    ],
  ])('alerts on %s, and says how to repair the policy', async (name, subject, text) => {
    const { handler } = alerts();
    expect(await handler(await fixture(name))).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe(`[awssec] ${subject} in 123456789012`);
    expect(message?.message).toContain(text);
    expect(message?.message).toContain(`Who:   ${ADMIN}`);
    expect(message?.message).toContain(
      'If nobody can say: run `awssec iam-mfa policy --repair`, which\n  writes the canonical document as a new default version',
    );
  });

  it('alerts on RequireMFA detached from a user, and names restore as a legitimate cause', async () => {
    const { handler } = alerts();
    expect(await handler(await fixture('require-mfa-detach-user-policy'))).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe(
      '[awssec] RequireMFA policy changed: DetachUserPolicy bob.wilson in 123456789012',
    );
    expect(message?.message).toContain(
      `${ADMIN} detached RequireMFA (${REQUIRE_MFA_ARN}) from IAM user bob.wilson: without it, nothing makes that user use MFA.`,
    );
    expect(message?.message).toContain(
      '`awssec iam-mfa restore` detaches RequireMFA when it undoes an enforcement',
    );
  });

  it('never holds back a change to the document, only a retry of the same event', async () => {
    const created = await apiEvent('require-mfa-create-policy-version');
    const { handler } = alerts();
    expect(await handler(created)).toBe('published');
    expect(await handler({ ...created, id: 'another-version' })).toBe('published');
    expect(await handler(await fixture('require-mfa-set-default-policy-version'))).toBe('published');
    expect(await handler(created)).toBe('suppressed'); // the same event, delivered again
    expect(await messages()).toHaveLength(3);
  });

  it('sends one DetachUserPolicy alert per user, caller and outcome in the window', async () => {
    const detached = await apiEvent('require-mfa-detach-user-policy');
    const otherUser = structuredClone(detached);
    otherUser.id = 'other-user';
    otherUser.detail.requestParameters.userName = 'alice.brown';
    const otherCaller = structuredClone(detached);
    otherCaller.id = 'other-caller';
    otherCaller.detail.userIdentity.arn = 'arn:aws:iam::123456789012:user/mallory';
    const refused = structuredClone(detached);
    refused.id = 'refused';
    refused.detail.errorCode = 'AccessDenied';
    const { handler } = alerts();
    expect(await handler(detached)).toBe('published');
    expect(await handler({ ...detached, id: 'again' })).toBe('suppressed');
    expect(await handler(otherUser)).toBe('published');
    expect(await handler(otherCaller)).toBe('published');
    expect(await handler(refused)).toBe('published');
    expect(await messages()).toHaveLength(4);
  });

  it("ignores the same calls on another account's RequireMFA", async () => {
    const event = await apiEvent('require-mfa-delete-policy-version');
    event.detail.requestParameters.policyArn = 'arn:aws:iam::999999999999:policy/RequireMFA';
    const { handler, logs } = alerts();
    expect(await handler(event)).toBe('ignored');
    expect(logs[0]?.attributes.reason).toBe(
      "DeletePolicyVersion on arn:aws:iam::999999999999:policy/RequireMFA: not this account's RequireMFA",
    );
    expect(await messages()).toEqual([]);
  });
});

describe('alerts on an MFA device enabled', () => {
  async function userWithDevices(userName: string, devices: string[]): Promise<string[]> {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const serials: string[] = [];
    for (const name of devices) {
      const { VirtualMFADevice } = await iam.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }),
      );
      const serial = VirtualMFADevice?.SerialNumber ?? '';
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: userName,
          SerialNumber: serial,
          AuthenticationCode1: '123456',
          AuthenticationCode2: '654321',
        }),
      );
      serials.push(serial);
    }
    emulator.proxy.seen.clear();
    return serials;
  }

  it('alerts on a device enabled with a long-term access key, without asking IAM, and explains the risk', async () => {
    const { handler } = alerts();
    expect(await handler(await fixture('enable-mfa-device-access-key'))).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe('[awssec] MFA device enabled: alice.brown in 123456789012');
    expect(message?.message).toContain(
      'EnableMFADevice enabled an MFA device (arn:aws:iam::123456789012:mfa/alice-phone) for IAM user alice.brown, signed with the long-term access key AKIAEXAMPLEALICEKEY1.',
    );
    expect(message?.message).toContain('(AWS-2023-001)');
    expect(message?.message).toContain(
      'aws iam update-access-key --user-name alice.brown --access-key-id AKIAEXAMPLEALICEKEY1 --status Inactive',
    );
    expect(emulator.proxy.seen.get('ListMFADevices')).toBeUndefined();
  });

  it('alerts on an attempt with a long-term key that AWS refused', async () => {
    const event = await apiEvent('enable-mfa-device-access-key');
    event.detail.errorCode = 'AccessDenied';
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe('[awssec] MFA device enabled: alice.brown (refused) in 123456789012');
    expect(message?.message).toContain('EnableMFADevice tried to enable an MFA device');
    expect(message?.message).toContain(
      'AWS refused the call (AccessDenied): nothing changed, but it was attempted.',
    );
  });

  it("alerts on root's device enabled with root's long-term key", async () => {
    const event = await apiEvent('root-enable-mfa-device');
    event.detail.userIdentity.accessKeyId = 'AKIAEXAMPLEROOTKEY01';
    delete event.detail.userIdentity.sessionContext;
    const { handler } = alerts();
    expect(await handler(event)).toBe('published');
    expect((await messages())[0]?.subject).toBe('[awssec] MFA device enabled: root in 123456789012');
  });

  it('alerts when a user enabling a device from the console now has two, and lists them', async () => {
    const serials = await userWithDevices('john.doe', ['john-phone', 'john-laptop']);
    const { handler } = alerts();
    expect(await handler(await fixture('enable-mfa-device-console'))).toBe('published');
    const [message] = await messages();
    expect(message?.subject).toBe('[awssec] MFA device enabled: john.doe in 123456789012');
    expect(message?.message).toContain(
      'EnableMFADevice enabled an MFA device (arn:aws:iam::123456789012:mfa/john-laptop) for IAM user john.doe, who now has 2 MFA devices:',
    );
    for (const serial of serials) expect(message?.message).toContain(`\n  ${serial}\n`);
    expect(emulator.proxy.seen.get('ListMFADevices')).toBe(1);
  });

  it.each([
    ['the user has only that device', ['john-laptop'], 'EnableMFADevice gave john.doe their only MFA device'],
    ['the user is gone', undefined, 'EnableMFADevice for john.doe, who no longer exists'],
  ])('sends nothing from the console when %s', async (_, devices, reason) => {
    if (devices !== undefined) await userWithDevices('john.doe', devices);
    const { handler, logs } = alerts();
    expect(await handler(await fixture('enable-mfa-device-console'))).toBe('ignored');
    expect(logs.map((entry) => entry.attributes.reason)).toEqual([reason]);
    expect(await messages()).toEqual([]);
  });

  it('sends nothing, and asks IAM nothing, for root enabling a device from the console', async () => {
    const { handler, logs } = alerts();
    expect(await handler(await fixture('root-enable-mfa-device'))).toBe('ignored');
    expect(logs.map((entry) => entry.attributes.reason)).toEqual([
      'root enabled an MFA device with temporary credentials (the console): expected',
    ]);
    expect(emulator.proxy.seen.size).toBe(0);
  });
});

describe('alerts cold start', () => {
  it('runs as Lambda runs it: settings and account from the environment, clients from the SDK chain', async () => {
    vi.resetModules();
    vi.stubEnv('TOPIC_ARN', topicArn);
    vi.stubEnv('ALERT_TABLE', TABLE);
    vi.stubEnv('ALERT_WINDOW_MINUTES', '60');
    vi.stubEnv('ORGANIZATION_ID', '');
    vi.stubEnv('ACCOUNT_ID', TEST_ACCOUNT_ID);
    vi.stubEnv('AWS_ENDPOINT_URL', emulator.moto.endpoint);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    try {
      await iam.send(new CreateUserCommand({ UserName: 'john.doe' }));
      for (const name of ['john-phone', 'john-laptop']) {
        const { VirtualMFADevice } = await iam.send(
          new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }),
        );
        await iam.send(
          new EnableMFADeviceCommand({
            UserName: 'john.doe',
            SerialNumber: VirtualMFADevice?.SerialNumber,
            AuthenticationCode1: '123456',
            AuthenticationCode2: '654321',
          }),
        );
      }
      const { handler } = await import('../../lambdas/alerts/handler.ts');
      expect(await handler(await fixture('enable-mfa-device-console'))).toBe('published');
      expect(await handler({ ...(await fixture('root-signin')), account: '999999999999' })).toBe('dropped');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails when ACCOUNT_ID is not a 12-digit account id', async () => {
    vi.resetModules();
    vi.stubEnv('TOPIC_ARN', topicArn);
    vi.stubEnv('ALERT_TABLE', TABLE);
    vi.stubEnv('ALERT_WINDOW_MINUTES', '60');
    vi.stubEnv('ORGANIZATION_ID', '');
    vi.stubEnv('ACCOUNT_ID', '');
    try {
      await expect(import('../../lambdas/alerts/handler.ts')).rejects.toThrow(
        "environment variable ACCOUNT_ID is '': give the 12-digit id of the account the function serves",
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
