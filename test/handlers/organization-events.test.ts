/**
 * Organization mode's onboarding and alerts on a moto organization: a member
 * account's events reach the central functions, which act in that account
 * through its member role, and name it.
 */
import { readFile } from 'node:fs/promises';
import {
  CreateUserCommand,
  EnableMFADeviceCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createAlertsHandler } from '../../lambdas/alerts/alerts.ts';
import { memberAccountClients } from '../../lambdas/aws/member-accounts.ts';
import { MEMBER_ROLE_NAMES } from '../../lambdas/function-contract.ts';
import { createOnboardingHandler } from '../../lambdas/onboarding/onboarding.ts';
import { allTestClients, TEST_ACCOUNT_ID, testClientSettings } from '../support/aws.ts';
import { recordingMetrics } from '../support/metrics.ts';
import { createAlertTable, publishedMessages, recordingLogger, sentMail } from '../support/moto-records.ts';
import { memberIam, refuseAssumeRoleIn, useSampleOrganization } from '../support/sample-organization.ts';

const SENDER = 'security@example.com';
const TABLE = 'awssec-alerts';
let topicArn: string;

const emulator = useSampleOrganization(async (moto) => {
  const clients = allTestClients(moto.endpoint);
  await clients.ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SENDER }));
  topicArn = (await clients.sns.send(new CreateTopicCommand({ Name: 'security' }))).TopicArn ?? '';
  await createAlertTable(clients.dynamodb, TABLE);
});

/** A real-shaped event of the fixtures, as recorded in another account. */
async function fixtureIn(name: string, accountId: string): Promise<Record<string, unknown>> {
  const text = await readFile(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(text.replaceAll(TEST_ACCOUNT_ID, accountId));
}

function onboarding(organization: boolean) {
  const clients = allTestClients(emulator.proxy.endpoint);
  const recorder = recordingLogger();
  const handler = createOnboardingHandler({
    settings: {
      senderEmail: SENDER,
      emailDomain: 'example.com',
      excludeUsers: [],
      breakGlass: [],
      gracePeriodDays: 7,
    },
    accountId: TEST_ACCOUNT_ID,
    clients,
    memberClients: organization
      ? memberAccountClients(
          clients,
          MEMBER_ROLE_NAMES.onboarding,
          testClientSettings(emulator.proxy.endpoint),
        )
      : undefined,
    logger: recorder.logger,
    metrics: recordingMetrics().sink,
  });
  return { handler, logs: recorder.entries };
}

function alerts() {
  const clients = allTestClients(emulator.proxy.endpoint);
  const members = memberAccountClients(
    clients,
    MEMBER_ROLE_NAMES.audit,
    testClientSettings(emulator.proxy.endpoint),
  );
  return createAlertsHandler({
    settings: { topicArn, alertTable: TABLE, windowMinutes: 60 },
    accountId: TEST_ACCOUNT_ID,
    clients,
    memberIam: async (accountId) => (await members(accountId)).iam,
    logger: recordingLogger().logger,
    now: () => new Date('2026-11-20T08:15:05Z'),
  });
}

const assumedRoles = () =>
  emulator.proxy.forwarded.filter((r) => r.action === 'AssumeRole').map((r) => r.params.get('RoleArn'));

describe('organization mode: onboarding', () => {
  it("attaches RequireMFA to a member account's new user through that account's onboarding role", async () => {
    const { dev } = emulator.org;
    await (await memberIam(emulator.moto.endpoint, dev)).send(
      new CreateUserCommand({ UserName: 'dev.carol' }),
    );
    const event = await fixtureIn('create-user', dev);
    const user = (event.detail as { responseElements: { user: { userName: string } } }).responseElements.user;
    user.userName = 'dev.carol';
    const { handler } = onboarding(true);
    expect(await handler(event)).toMatchObject({
      userName: 'dev.carol',
      outcome: 'require-mfa-attached',
      mail: 'sent',
    });
    expect(assumedRoles()).toEqual([`arn:aws:iam::${dev}:role/AwssecIamMfaOnboarding`]);
    const { AttachedPolicies } = await (await memberIam(emulator.moto.endpoint, dev)).send(
      new ListAttachedUserPoliciesCommand({ UserName: 'dev.carol' }),
    );
    expect(AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([`arn:aws:iam::${dev}:policy/RequireMFA`]);
    const [mail] = await sentMail(emulator.moto);
    expect(mail?.body).toContain(dev);
  });

  it('drops a member account’s event in single-account mode, as before', async () => {
    const { handler, logs } = onboarding(false);
    expect(await handler(await fixtureIn('create-user', emulator.org.dev))).toBeUndefined();
    expect(logs[0]?.message).toBe('dropped an event that is not a usable CreateUser call');
    expect(assumedRoles()).toEqual([]);
  });

  it("fails, for EventBridge to retry, when the member's role cannot be assumed", async () => {
    emulator.proxy.setRule(refuseAssumeRoleIn(emulator.org.prod));
    const { handler } = onboarding(true);
    await expect(handler(await fixtureIn('create-user', emulator.org.prod))).rejects.toThrow(
      'access denied to sts:AssumeRole',
    );
  });
});

describe('organization mode: alerts', () => {
  it("alerts on a member account's sign-in without MFA, naming that account", async () => {
    const { dev } = emulator.org;
    expect(await alerts()(await fixtureIn('console-login-no-mfa', dev))).toBe('published');
    const [message] = await publishedMessages(emulator.moto, topicArn);
    expect(message?.subject).toBe(`[awssec] Console sign-in without MFA: bob.wilson in ${dev}`);
    expect(message?.message).toContain(`Console sign-in without MFA in AWS account ${dev}`);
  });

  it("counts a member user's MFA devices through that account's audit role", async () => {
    const { prod } = emulator.org;
    const iam = await memberIam(emulator.moto.endpoint, prod);
    // prod.admin has a virtual device; a second one makes the enrolment worth an alert.
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'prod.admin',
        SerialNumber: `arn:aws:iam::${prod}:u2f/user/prod.admin/key-1`,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    const event = await fixtureIn('enable-mfa-device-console', prod);
    const detail = event.detail as {
      requestParameters: { userName: string };
      userIdentity: { userName: string };
    };
    detail.requestParameters.userName = 'prod.admin';
    expect(await alerts()(event)).toBe('published');
    expect(assumedRoles()).toEqual([`arn:aws:iam::${prod}:role/AwssecIamMfaAudit`]);
    const [message] = await publishedMessages(emulator.moto, topicArn);
    expect(message?.message).toContain('who now has 2 MFA devices');
  });

  it('drops an event whose account and recipientAccountId disagree', async () => {
    const event = await fixtureIn('console-login-no-mfa', emulator.org.dev);
    (event.detail as { recipientAccountId: string }).recipientAccountId = emulator.org.prod;
    expect(await alerts()(event)).toBe('dropped');
  });
});
