import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyAlertEvent,
  isOwnRequireMfaArn,
  parseCreateUserEvent,
} from '../../lambdas/core/cloudtrail-events.ts';

const ACCOUNT = '123456789012';
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8')) as {
    id: string;
    account: string;
    detail: Record<string, unknown> & {
      requestParameters: Record<string, unknown>;
      userIdentity: Record<string, unknown>;
    };
  };
const ADMIN = 'arn:aws:sts::123456789012:assumed-role/Admin/admin-session';
const REQUIRE_MFA = 'arn:aws:iam::123456789012:policy/RequireMFA';

describe('classifyAlertEvent: changes to RequireMFA', () => {
  it.each([
    [
      'require-mfa-create-policy-version',
      { eventName: 'CreatePolicyVersion', versionId: 'v2', setAsDefault: true, errorCode: undefined },
    ],
    ['require-mfa-set-default-policy-version', { eventName: 'SetDefaultPolicyVersion', versionId: 'v3' }],
    ['require-mfa-delete-policy-version', { eventName: 'DeletePolicyVersion', versionId: 'v1' }],
    ['require-mfa-delete-policy', { eventName: 'DeletePolicy', errorCode: 'DeleteConflict' }],
    ['require-mfa-detach-user-policy', { eventName: 'DetachUserPolicy', userName: 'bob.wilson' }],
  ])('%s', (name, expected) => {
    const parsed = classifyAlertEvent(fixture(name), ACCOUNT);
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({
        kind: 'require-mfa-policy-changed',
        policyArn: REQUIRE_MFA,
        actorArn: ADMIN,
        userName: undefined,
        mfaUsed: true,
        ...expected,
      }),
    });
  });

  it('a new version not made the default says so', () => {
    const event = fixture('require-mfa-create-policy-version');
    event.detail.requestParameters.setAsDefault = false;
    expect(classifyAlertEvent(event, ACCOUNT)).toMatchObject({ value: { setAsDefault: false } });
  });

  it.each([
    ['arn:aws:iam::123456789012:policy/RequireMFA', true],
    ['arn:aws-us-gov:iam::123456789012:policy/RequireMFA', true],
    ['arn:aws:iam::999999999999:policy/RequireMFA', false],
    ['arn:aws:iam::123456789012:policy/team/RequireMFA', false],
    ['arn:aws:iam::123456789012:policy/RequireMFA-old', false],
    ['arn:aws:iam::aws:policy/RequireMFA', false],
  ])('%s is this account’s RequireMFA: %s', (arn, own) => {
    expect(isOwnRequireMfaArn(arn, ACCOUNT)).toBe(own);
  });

  it('rejects a DetachUserPolicy that names no user, and any call without a policyArn', () => {
    const detach = fixture('require-mfa-detach-user-policy');
    delete detach.detail.requestParameters.userName;
    expect(classifyAlertEvent(detach, ACCOUNT)).toMatchObject({
      ok: false,
      reason: 'DetachUserPolicy event without a user name',
    });
    const deleted = fixture('require-mfa-delete-policy');
    delete deleted.detail.requestParameters.policyArn;
    expect(classifyAlertEvent(deleted, ACCOUNT)).toMatchObject({
      ok: false,
      reason: 'DeletePolicy event without a policyArn',
    });
  });
});

describe('classifyAlertEvent: MFA device enabled', () => {
  it('with a long-term access key: an alert, succeeded or refused', () => {
    const event = fixture('enable-mfa-device-access-key');
    expect(classifyAlertEvent(event, ACCOUNT)).toEqual({
      ok: true,
      value: expect.objectContaining({
        kind: 'mfa-device-enabled',
        enrolment: 'long-term-key',
        userName: 'alice.brown',
        accessKeyId: 'AKIAEXAMPLEALICEKEY1',
        serialNumber: 'arn:aws:iam::123456789012:mfa/alice-phone',
        mfaUsed: undefined,
        errorCode: undefined,
      }),
    });
    event.detail.errorCode = 'AccessDenied';
    expect(classifyAlertEvent(event, ACCOUNT)).toMatchObject({ value: { errorCode: 'AccessDenied' } });
  });

  it('from a console session that names no user: the caller, to be checked for a second device', () => {
    expect(classifyAlertEvent(fixture('enable-mfa-device-console'), ACCOUNT)).toEqual({
      ok: true,
      value: {
        checkDevices: true,
        alert: expect.objectContaining({
          kind: 'mfa-device-enabled',
          enrolment: 'another-device',
          userName: 'john.doe',
          accessKeyId: 'ASIAEXAMPLEJOHNCONS',
          mfaUsed: false,
        }),
      },
    });
  });

  it('refused with temporary credentials, or root from the console: nothing to alert', () => {
    const refused = fixture('enable-mfa-device-console');
    refused.detail.errorCode = 'InvalidAuthenticationCode';
    expect(classifyAlertEvent(refused, ACCOUNT)).toMatchObject({
      ok: true,
      value: {
        ignored: true,
        reason:
          'EnableMFADevice refused (InvalidAuthenticationCode) with temporary credentials: no device was added',
      },
    });
    expect(classifyAlertEvent(fixture('root-enable-mfa-device'), ACCOUNT)).toMatchObject({
      value: { ignored: true },
    });
  });

  it('root with a long-term key, named as AWS ROOT USER: an alert about root', () => {
    const event = fixture('root-enable-mfa-device');
    event.detail.userIdentity.accessKeyId = 'AKIAEXAMPLEROOTKEY01';
    expect(classifyAlertEvent(event, ACCOUNT)).toMatchObject({
      value: { kind: 'mfa-device-enabled', userName: 'root', enrolment: 'long-term-key' },
    });
  });
});

describe('events of another account', () => {
  it.each([
    ['root-signin', classifyAlertEvent],
    ['create-user', parseCreateUserEvent],
  ] as const)(
    '%s: rejected when the envelope or the recipient names another account, or none',
    (name, parse) => {
      const event = fixture(name);
      expect(parse(event, ACCOUNT).ok).toBe(true);
      expect(parse(event, '999999999999')).toMatchObject({
        ok: false,
        reason:
          'an event of another account (account 123456789012, recipientAccountId 123456789012; this function serves 999999999999): events of other accounts are not handled',
      });
      expect(parse({ ...event, account: undefined }, ACCOUNT).ok).toBe(false);
      expect(
        parse({ ...event, detail: { ...event.detail, recipientAccountId: '999999999999' } }, ACCOUNT).ok,
      ).toBe(false);
      expect(
        parse({ ...event, detail: { ...event.detail, recipientAccountId: undefined } }, ACCOUNT).ok,
      ).toBe(false);
    },
  );
});
