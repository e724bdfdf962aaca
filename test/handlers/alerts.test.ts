import { readFile } from 'node:fs/promises';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createAlertsHandler } from '../../lambdas/alerts/alerts.ts';
import { ALERT_TABLE_KEYS } from '../../lambdas/function-contract.ts';
import { allTestClients } from '../support/aws.ts';
import { awsErrorXml } from '../support/aws-proxy.ts';
import { useMoto } from '../support/moto-harness.ts';
import { publishedMessages, recordingLogger } from '../support/moto-records.ts';

const TABLE = 'awssec-alerts';
const NOW = new Date('2026-11-20T08:15:05Z');

let topicArn: string;

const emulator = useMoto(async (moto) => {
  const clients = allTestClients(moto.endpoint);
  topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: ALERT_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: ALERT_TABLE_KEYS.partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

function alerts(now: () => Date = () => NOW, maxAttempts = 3) {
  const recorder = recordingLogger();
  const handler = createAlertsHandler({
    settings: { topicArn, alertTable: TABLE, windowMinutes: 60 },
    clients: allTestClients(emulator.proxy.endpoint, { maxAttempts }),
    logger: recorder.logger,
    now,
  });
  return { handler, logs: recorder.entries };
}

const messages = () => publishedMessages(emulator.moto, topicArn);

describe('alerts handler', () => {
  it('publishes a readable alert for a console sign-in without MFA: who, when, from where, what to do', async () => {
    const { handler } = alerts();
    expect(await handler(await fixture('console-login-no-mfa'))).toBe('published');
    const [message, ...more] = await messages();
    expect(more).toEqual([]);
    expect(message?.subject).toBe('[awssec] Console sign-in without MFA: bob.wilson in 123456789012');
    expect(message?.message).toContain('IAM user bob.wilson signed in to the console without MFA.');
    expect(message?.message).toContain('When:  2026-11-20T08:15:02Z');
    expect(message?.message).toContain('From:  203.0.113.45 (Mozilla/5.0');
    expect(message?.message).toContain('Where: us-east-1');
    expect(message?.message).toContain(
      'awssec iam-mfa enforce --include-users bob.wilson --disable-console-access --apply',
    );
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

  it('drops a sign-in event that lost its user name', async () => {
    const event = await fixture('console-login-no-mfa');
    const detail = event.detail as { userIdentity: Record<string, unknown> };
    delete detail.userIdentity.userName;
    const { handler } = alerts();
    expect(await handler(event)).toBe('dropped');
  });
});
