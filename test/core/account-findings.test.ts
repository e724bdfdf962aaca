import { describe, expect, it } from 'vitest';
import { enforcesMfa, groupsWithoutMfaPolicy, rootMfaKind } from '../../lambdas/core/account-findings.ts';
import { requireMfaPolicy } from '../../lambdas/core/policies.ts';
import type { PolicyDocument } from '../../lambdas/core/user-facts.ts';

const deny = (Condition: unknown): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', NotAction: ['iam:ListMFADevices'], Resource: '*', Condition }],
});

const WITHOUT_MFA = { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } };
const statement = (fields: Record<string, unknown>): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Deny', NotAction: ['iam:ListMFADevices'], Resource: '*', Condition: WITHOUT_MFA, ...fields },
  ],
});

describe('enforcesMfa', () => {
  it.each([
    ['BoolIfExists false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }), true],
    ['a boolean false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': false } }), true],
    ['a list holding false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': ['false'] } }), true],
    ['keys in another case', deny({ boolifexists: { 'AWS:MultiFactorAuthPresent': 'FALSE' } }), true],
    ['Null on MFA age', deny({ Null: { 'aws:MultiFactorAuthAge': 'true' } }), true],
    ['RequireMFA itself', requireMfaPolicy, true],
    ['Action * instead of NotAction', statement({ NotAction: undefined, Action: '*' }), true],
    [
      "AWS's example, which also leaves out ListUsers",
      statement({
        NotAction: [
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:ListUsers',
          'sts:GetSessionToken',
        ],
      }),
      true,
    ],
    [
      'a single statement object',
      { Statement: { Effect: 'Deny', Action: '*', Resource: '*', Condition: WITHOUT_MFA } },
      true,
    ],
    // Plain Bool does not match requests signed with long-term keys, which carry no MFA key at all.
    ['plain Bool false', deny({ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }), false],
    ['Bool true on a Deny', deny({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }), false],
    [
      'an extra condition that narrows it to nobody',
      deny({ ...WITHOUT_MFA, StringEquals: { 'aws:username': 'nobody' } }),
      false,
    ],
    [
      'a second key under the operator',
      deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false', 'aws:SecureTransport': 'false' } }),
      false,
    ],
    ['NotAction *', statement({ NotAction: '*' }), false],
    ['NotAction iam:* and sts:*', statement({ NotAction: ['iam:*', 'sts:*'] }), false],
    ['NotAction of a call that is no MFA set-up', statement({ NotAction: ['iam:CreateAccessKey'] }), false],
    ['a narrow Action', statement({ NotAction: undefined, Action: 's3:GetObject' }), false],
    ['a narrow Resource', statement({ Resource: 'arn:aws:s3:::bucket/*' }), false],
    ['a NotResource', statement({ Resource: undefined, NotResource: 'arn:aws:s3:::bucket/*' }), false],
    [
      'an Allow requiring MFA',
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: '*',
            Resource: '*',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        ],
      },
      false,
    ],
    ['a Deny on something else', deny({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }), false],
    ['a Deny with no condition', { Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }, false],
    ['an empty document', {}, false],
  ])('%s → %s', (_, document, expected) => {
    expect(enforcesMfa(document as PolicyDocument)).toBe(expected);
  });
});

describe('groupsWithoutMfaPolicy', () => {
  it('lists the groups none of whose policies enforce MFA, sorted', () => {
    const requireMfa = {
      name: 'RequireMFA',
      document: deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }),
    };
    const s3 = { name: 's3', document: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } };
    expect(
      groupsWithoutMfaPolicy([
        { groupName: 'ops', policies: [s3, requireMfa] },
        { groupName: 'developers', policies: [s3] },
        { groupName: 'auditors', policies: [] },
      ]),
    ).toEqual(['auditors', 'developers']);
  });
});

describe('rootMfaKind', () => {
  it('is virtual, hardware (any device that is not virtual) or null', () => {
    expect(
      rootMfaKind({ mfaEnabled: true, virtualMfa: true, accessKeysPresent: false, hasCredentials: true }),
    ).toBe('virtual');
    expect(
      rootMfaKind({ mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true }),
    ).toBe('hardware');
    expect(
      rootMfaKind({ mfaEnabled: false, virtualMfa: false, accessKeysPresent: false, hasCredentials: true }),
    ).toBeNull();
  });
});
