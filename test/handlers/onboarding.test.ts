import { readFile } from 'node:fs/promises';
import {
  CreateUserCommand,
  GetPolicyCommand,
  type IAMClient,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { describe, expect, it, vi } from 'vitest';
import { requireMfaPolicy } from '../../lambdas/core/policies.ts';
import { createOnboardingHandler } from '../../lambdas/onboarding/onboarding.ts';
import type { OnboardingSettings } from '../../lambdas/use-cases/onboard-user.ts';
import {
  allTestClients,
  createTamperedRequireMfa,
  swapRequireMfaDefaultVersion,
  TEST_ACCOUNT_ID,
} from '../support/aws.ts';
import { recordingMetrics } from '../support/metrics.ts';
import { useMoto } from '../support/moto-harness.ts';
import { recordingLogger, sentMail } from '../support/moto-records.ts';

const SENDER = 'security@example.com';
const WRITES = ['AttachUserPolicy', 'CreatePolicy', 'TagUser', 'SendEmail'];

let iam: IAMClient;

const emulator = useMoto(
  async (moto) => {
    iam = allTestClients(moto.endpoint).iam;
    await allTestClients(moto.endpoint).ses.send(new VerifyEmailIdentityCommand({ EmailAddress: SENDER }));
  },
  { reseedOnlyAfterChanges: true },
);

async function fixture(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

function onboarding(
  settings: Partial<OnboardingSettings> = {},
  clients = allTestClients(emulator.proxy.endpoint),
) {
  const recorder = recordingLogger();
  const metrics = recordingMetrics();
  const handler = createOnboardingHandler({
    settings: {
      senderEmail: SENDER,
      emailDomain: '',
      excludeUsers: ['svc-*'],
      breakGlass: ['breakglass-*'],
      gracePeriodDays: 7,
      ...settings,
    },
    accountId: TEST_ACCOUNT_ID,
    clients,
    logger: recorder.logger,
    metrics: metrics.sink,
  });
  return { handler, logs: recorder.entries, metrics: metrics.added };
}

async function attachedPolicies(userName: string): Promise<string[]> {
  const { AttachedPolicies } = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
  return (AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '');
}

const REQUIRE_MFA_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;
const writes = () =>
  Object.fromEntries([...emulator.proxy.seen].filter(([action]) => WRITES.includes(action)));

describe('onboarding handler', () => {
  it('attaches RequireMFA to the new user and mails the set-up steps to its email tag', async () => {
    await iam.send(
      new CreateUserCommand({ UserName: 'carol.new', Tags: [{ Key: 'email', Value: 'carol@example.org' }] }),
    );
    const { handler } = onboarding({ emailDomain: 'example.com' });
    const result = await handler(await fixture('create-user'));
    expect(result).toEqual({
      userName: 'carol.new',
      outcome: 'require-mfa-attached',
      mail: 'sent',
      recipient: 'carol@example.org',
    });
    expect(await attachedPolicies('carol.new')).toEqual([REQUIRE_MFA_ARN]);
    const [mail, ...more] = await sentMail(emulator.moto);
    expect(more).toEqual([]);
    expect(mail).toMatchObject({
      source: SENDER,
      to: ['carol@example.org'],
      subject: `Set up MFA for your AWS account ${TEST_ACCOUNT_ID}`,
    });
    expect(mail?.body).toContain(`https://${TEST_ACCOUNT_ID}.signin.aws.amazon.com/console as carol.new`);
  });

  it('mails <user>@<emailDomain> when the user has no email tag, and reuses an existing RequireMFA', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
    const { handler } = onboarding({ emailDomain: 'example.com' });
    await handler(await fixture('create-user'));
    emulator.proxy.seen.clear();
    // A retried invocation: the policy exists and is attached; attaching again is harmless.
    await handler(await fixture('create-user'));
    expect(writes()).toEqual({ AttachUserPolicy: 1, SendEmail: 1 });
    expect((await sentMail(emulator.moto)).map((m) => m.to)).toEqual([
      ['carol.new@example.com'],
      ['carol.new@example.com'],
    ]);
  });

  it('attaches the policy but sends no mail without a sender or an address, and says so in the log', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
    const noSender = onboarding({ senderEmail: '', emailDomain: 'example.com' });
    expect(await noSender.handler(await fixture('create-user'))).toMatchObject({ mail: 'no-sender' });
    const noAddress = onboarding({ emailDomain: '' });
    expect(await noAddress.handler(await fixture('create-user'))).toMatchObject({ mail: 'no-address' });
    expect(await attachedPolicies('carol.new')).toEqual([REQUIRE_MFA_ARN]);
    expect(await sentMail(emulator.moto)).toEqual([]);
    expect(noAddress.logs.filter((e) => e.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'no MFA set-up mail sent',
        attributes: expect.objectContaining({
          userName: 'carol.new',
          why: 'no email tag and no email domain',
        }),
      },
    ]);
  });

  it('leaves exempt users alone: an exclude pattern or the exemption tag', async () => {
    await iam.send(
      new CreateUserCommand({ UserName: 'carol.new', Tags: [{ Key: 'awssec:mfa-exempt', Value: 'kiosk' }] }),
    );
    const { handler } = onboarding();
    expect(await handler(await fixture('create-user'))).toEqual({
      userName: 'carol.new',
      outcome: 'exempted',
      exemption: 'exempted by tag awssec:mfa-exempt: kiosk',
      mail: 'not-needed',
    });
    expect(writes()).toEqual({});
  });

  it('never acts on a break-glass user', async () => {
    const event = await fixture('create-user');
    const detail = event.detail as {
      requestParameters: { userName: string };
      responseElements: { user: { userName: string } };
    };
    detail.requestParameters.userName = 'breakglass-1';
    detail.responseElements.user.userName = 'breakglass-1';
    await iam.send(new CreateUserCommand({ UserName: 'breakglass-1' }));
    const { handler } = onboarding();
    expect(await handler(event)).toMatchObject({
      outcome: 'exempted',
      exemption: 'break-glass user (breakglass-*): never acted on',
    });
    expect(writes()).toEqual({});
  });

  it('does nothing for a user deleted before the event arrived', async () => {
    const { handler } = onboarding();
    expect(await handler(await fixture('create-user'))).toMatchObject({ outcome: 'user-gone' });
    expect(writes()).toEqual({});
  });

  it.each([
    ['malformed-create-user', "'bad name with spaces' is not an IAM user name"],
    [
      'console-login-no-mfa',
      'not a CreateUser call (source aws.signin, AWS Console Sign In via CloudTrail, ConsoleLogin)',
    ],
  ])('logs %s with its id and drops it, with no IAM call and no throw', async (name, reason) => {
    const event = await fixture(name);
    const { handler, logs } = onboarding();
    expect(await handler(event)).toBeUndefined();
    expect(logs).toEqual([
      {
        level: 'warn',
        message: 'dropped an event that is not a usable CreateUser call',
        attributes: { eventId: event.id, reason },
      },
    ]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it.each([
    [
      'the envelope names another account',
      { account: '999999999999' },
      {},
      'account 999999999999, recipientAccountId 123456789012',
    ],
    [
      'CloudTrail recorded it for another account',
      {},
      { recipientAccountId: '999999999999' },
      'account 123456789012, recipientAccountId 999999999999',
    ],
    [
      'it names no recipient account',
      {},
      { recipientAccountId: undefined },
      'account 123456789012, recipientAccountId none',
    ],
  ])('drops a CreateUser when %s, with a warning and no IAM call', async (_, envelope, detail, accounts) => {
    const event = await fixture('create-user');
    const altered = { ...event, ...envelope, detail: { ...(event.detail as object), ...detail } };
    const { handler, logs } = onboarding();
    expect(await handler(altered)).toBeUndefined();
    expect(logs).toEqual([
      {
        level: 'warn',
        message: 'dropped an event that is not a usable CreateUser call',
        attributes: {
          eventId: event.id,
          reason: `an event of another account (${accounts}; this function serves ${TEST_ACCOUNT_ID}): events of other accounts are not handled`,
        },
      },
    ]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('drops what is not an event at all', async () => {
    const { handler, logs } = onboarding();
    expect(await handler('garbage')).toBeUndefined();
    expect(logs[0]?.attributes).toEqual({
      eventId: 'unknown',
      reason: 'not an EventBridge event (no source, detail-type or detail)',
    });
  });

  describe('a RequireMFA that is not the canonical document', () => {
    it.each([
      ['created by someone else, granting everything', () => createTamperedRequireMfa(iam)],
      [
        'with a tampered default version',
        async () => {
          await createTamperedRequireMfa(iam, requireMfaPolicy);
          await swapRequireMfaDefaultVersion(iam);
        },
      ],
    ])('%s: is not attached; the error is logged and counted; the mail still goes', async (_name, tamper) => {
      await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
      await tamper();
      emulator.proxy.seen.clear();
      const { handler, logs, metrics } = onboarding({ emailDomain: 'example.com' });
      const result = await handler(await fixture('create-user'));
      expect(result).toMatchObject({ outcome: 'policy-untrusted', mail: 'sent' });
      expect(result?.policyProblem).toContain(`the managed policy ${REQUIRE_MFA_ARN} (default version v`);
      expect(result?.policyProblem).toContain('awssec iam-mfa policy --repair --apply');
      expect(await attachedPolicies('carol.new')).toEqual([]);
      expect(writes()).toEqual({ SendEmail: 1 });
      expect(logs.filter((entry) => entry.level === 'error')).toEqual([
        {
          level: 'error',
          message: 'RequireMFA not attached: the policy is not the canonical document',
          attributes: { eventId: expect.any(String), userName: 'carol.new', problem: result?.policyProblem },
        },
      ]);
      expect(metrics).toEqual([{ name: 'RequireMfaPolicyUntrusted', unit: 'Count', value: 1 }]);
    });

    it("reads RequireMFA again when another run created it first, and refuses what it finds if it isn't canonical", async () => {
      await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
      // GetPolicy answers "no such policy"; by the time onboarding creates it, an attacker has.
      const clients = allTestClients(emulator.proxy.endpoint);
      let first = true;
      clients.iam.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'CreatePolicyCommand' && first) {
            first = false;
            await createTamperedRequireMfa(iam);
          }
          return next(args);
        },
        { step: 'initialize', name: 'attackerCreatesFirst' },
      );
      const { handler } = onboarding({}, clients);
      expect(await handler(await fixture('create-user'))).toMatchObject({ outcome: 'policy-untrusted' });
      expect(await attachedPolicies('carol.new')).toEqual([]);
    });

    it('counts 0 when RequireMFA is attached', async () => {
      await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
      const { handler, metrics } = onboarding();
      await handler(await fixture('create-user'));
      expect(metrics).toEqual([{ name: 'RequireMfaPolicyUntrusted', unit: 'Count', value: 0 }]);
      // And the policy it created is the canonical one.
      const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: REQUIRE_MFA_ARN }));
      expect(Policy?.DefaultVersionId).toBe('v1');
    });
  });
});

describe('onboarding cold start', () => {
  it('fails naming the missing environment variable', async () => {
    vi.resetModules();
    vi.stubEnv('SENDER_EMAIL', 'x@example.com');
    vi.stubEnv('EMAIL_DOMAIN', '');
    vi.stubEnv('EXCLUDE_USERS', '');
    vi.stubEnv('BREAK_GLASS', '');
    vi.stubEnv('ORGANIZATION_ID', '');
    vi.stubEnv('ACCOUNT_ID', TEST_ACCOUNT_ID);
    try {
      await expect(import('../../lambdas/onboarding/handler.ts')).rejects.toThrow(
        'missing environment variable GRACE_PERIOD_DAYS: the stack sets it; redeploy, or set it on the function',
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails when ACCOUNT_ID is not a 12-digit account id', async () => {
    vi.resetModules();
    vi.stubEnv('SENDER_EMAIL', '');
    vi.stubEnv('EMAIL_DOMAIN', '');
    vi.stubEnv('EXCLUDE_USERS', '');
    vi.stubEnv('BREAK_GLASS', '');
    vi.stubEnv('GRACE_PERIOD_DAYS', '7');
    vi.stubEnv('ORGANIZATION_ID', '');
    vi.stubEnv('ACCOUNT_ID', '12345');
    try {
      await expect(import('../../lambdas/onboarding/handler.ts')).rejects.toThrow(
        "environment variable ACCOUNT_ID is '12345': give the 12-digit id of the account the function serves",
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('runs as Lambda runs it: settings from the environment, clients from the SDK chain', async () => {
    vi.resetModules();
    vi.stubEnv('SENDER_EMAIL', SENDER);
    vi.stubEnv('EMAIL_DOMAIN', 'example.com');
    vi.stubEnv('EXCLUDE_USERS', 'svc-*');
    vi.stubEnv('BREAK_GLASS', 'breakglass-*');
    vi.stubEnv('GRACE_PERIOD_DAYS', '7');
    vi.stubEnv('ORGANIZATION_ID', '');
    vi.stubEnv('ACCOUNT_ID', TEST_ACCOUNT_ID);
    vi.stubEnv('AWS_ENDPOINT_URL', emulator.moto.endpoint);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    try {
      await iam.send(new CreateUserCommand({ UserName: 'carol.new' }));
      const { handler } = await import('../../lambdas/onboarding/handler.ts');
      expect(await handler(await fixture('create-user'))).toMatchObject({
        mail: 'sent',
        recipient: 'carol.new@example.com',
      });
      expect(await attachedPolicies('carol.new')).toEqual([REQUIRE_MFA_ARN]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
