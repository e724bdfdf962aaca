import { describe, expect, it } from 'vitest';
import { enforcesMfa, groupsWithoutMfaPolicy, rootMfaKind } from '../../lambdas/core/account-findings.ts';
import type { PolicyDocument } from '../../lambdas/core/user-facts.ts';

const deny = (Condition: unknown): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', NotAction: ['iam:ListMFADevices'], Resource: '*', Condition }],
});

describe('enforcesMfa', () => {
  it.each([
    ['BoolIfExists false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }), true],
    ['Bool false', deny({ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }), true],
    ['a boolean false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': false } }), true],
    ['a list holding false', deny({ BoolIfExists: { 'aws:MultiFactorAuthPresent': ['false'] } }), true],
    ['keys in another case', deny({ boolifexists: { 'AWS:MultiFactorAuthPresent': 'FALSE' } }), true],
    ['Null on MFA age', deny({ Null: { 'aws:MultiFactorAuthAge': 'true' } }), true],
    [
      'a single statement object',
      { Statement: { Effect: 'Deny', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } } },
      true,
    ],
    ['Bool true on a Deny', deny({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }), false],
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
    expect(rootMfaKind({ mfaEnabled: true, virtualMfa: true, accessKeysPresent: false })).toBe('virtual');
    expect(rootMfaKind({ mfaEnabled: true, virtualMfa: false, accessKeysPresent: false })).toBe('hardware');
    expect(rootMfaKind({ mfaEnabled: false, virtualMfa: false, accessKeysPresent: false })).toBeNull();
  });
});
