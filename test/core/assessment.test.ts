import { describe, expect, it } from 'vitest';
import { assessUser, type ComplianceStatus, type Risk } from '../../lambdas/core/assessment.ts';
import { mfaDeviceKind } from '../../lambdas/core/mfa-device-kind.ts';
import type { UserFacts } from '../../lambdas/core/user-facts.ts';
import { createUserSelector, type UserSelection } from '../../lambdas/core/user-selection.ts';
import {
  ACTIVE_KEY,
  daysAgo,
  device,
  FIDO,
  INACTIVE_KEY,
  NOW,
  TOKEN,
  userFacts,
  VIRTUAL,
} from '../support/facts.ts';

const NO_SELECTION: UserSelection = { include: [], exclude: [] };

function assess(user: UserFacts, selection: UserSelection = NO_SELECTION, gracePeriodDays = 7) {
  return assessUser(user, { now: NOW, gracePeriodDays, selector: createUserSelector(selection) });
}

describe('assessUser', () => {
  const cases: {
    name: string;
    user: UserFacts;
    selection?: UserSelection;
    grace?: number;
    status: ComplianceStatus;
    risk: Risk;
    reasons: string[];
  }[] = [
    {
      name: 'virtual MFA and a console password',
      user: userFacts('a', { consolePassword: true, mfaDevices: [device(VIRTUAL)] }),
      status: 'compliant',
      risk: 'low',
      reasons: ['MFA: virtual device'],
    },
    {
      name: 'a FIDO key and an access key',
      user: userFacts('a', { accessKeys: [ACTIVE_KEY], mfaDevices: [device(FIDO)] }),
      status: 'compliant',
      risk: 'low',
      reasons: ['MFA: FIDO security key'],
    },
    {
      name: 'a hardware token',
      user: userFacts('a', { consolePassword: true, mfaDevices: [device(TOKEN)] }),
      status: 'compliant',
      risk: 'low',
      reasons: ['MFA: hardware TOTP token'],
    },
    {
      name: 'several devices of several kinds',
      user: userFacts('a', {
        consolePassword: true,
        mfaDevices: [device(VIRTUAL), device(FIDO), device(`${FIDO}2`)],
      }),
      status: 'compliant',
      risk: 'low',
      reasons: ['MFA: 3 devices (virtual device, FIDO security key)'],
    },
    {
      name: 'no credential at all',
      user: userFacts('a'),
      status: 'compliant',
      risk: 'low',
      reasons: ['no console password and no active access key'],
    },
    {
      name: 'only inactive access keys',
      user: userFacts('a', { accessKeys: [INACTIVE_KEY, INACTIVE_KEY] }),
      status: 'compliant',
      risk: 'low',
      reasons: ['no console password and no active access key'],
    },
    {
      name: 'a console password without MFA',
      user: userFacts('a', { consolePassword: true }),
      status: 'non-compliant',
      risk: 'high',
      reasons: ['console password without MFA'],
    },
    {
      name: 'an active access key without MFA (an inactive one beside it)',
      user: userFacts('a', { accessKeys: [ACTIVE_KEY, INACTIVE_KEY] }),
      status: 'non-compliant',
      risk: 'high',
      reasons: ['1 active access key without MFA'],
    },
    {
      name: 'a password and two active keys without MFA',
      user: userFacts('a', { consolePassword: true, accessKeys: [ACTIVE_KEY, ACTIVE_KEY] }),
      status: 'non-compliant',
      risk: 'high',
      reasons: ['console password without MFA', '2 active access keys without MFA'],
    },
    {
      name: 'a new user without MFA',
      user: userFacts('a', { ageDays: 2, consolePassword: true }),
      status: 'grace-period',
      risk: 'medium',
      reasons: ['console password without MFA', 'new user: grace period ends 2026-11-27'],
    },
    {
      name: 'a new user with MFA is compliant, not in grace',
      user: userFacts('a', { ageDays: 2, consolePassword: true, mfaDevices: [device(VIRTUAL)] }),
      status: 'compliant',
      risk: 'low',
      reasons: ['MFA: virtual device'],
    },
    {
      name: 'exactly as old as the grace period: out of it',
      user: userFacts('a', { ageDays: 7, accessKeys: [ACTIVE_KEY] }),
      status: 'non-compliant',
      risk: 'high',
      reasons: ['1 active access key without MFA'],
    },
    {
      name: 'a second younger than the grace period: in it',
      user: userFacts('a', { createdAt: new Date(daysAgo(7).getTime() + 1000), accessKeys: [ACTIVE_KEY] }),
      status: 'grace-period',
      risk: 'medium',
      reasons: ['1 active access key without MFA', 'new user: grace period ends 2026-11-22'],
    },
    {
      name: 'a grace period of 0 days: nobody is in it',
      user: userFacts('a', { ageDays: 0, consolePassword: true }),
      grace: 0,
      status: 'non-compliant',
      risk: 'high',
      reasons: ['console password without MFA'],
    },
    {
      name: 'excluded by a pattern, still exposed',
      user: userFacts('svc-backup', { accessKeys: [ACTIVE_KEY] }),
      selection: { include: [], exclude: ['svc-*'] },
      status: 'exempted',
      risk: 'high',
      reasons: ['exempted: matches exclude pattern svc-*', '1 active access key without MFA'],
    },
    {
      name: 'exempted by tag, with the reason from its value',
      user: userFacts('a', {
        consolePassword: true,
        tags: { 'awssec:mfa-exempt': 'break-glass, ticket SEC-42' },
      }),
      status: 'exempted',
      risk: 'high',
      reasons: [
        'exempted by tag awssec:mfa-exempt: break-glass, ticket SEC-42',
        'console password without MFA',
      ],
    },
    {
      name: 'exempted by a tag in another case, with no value',
      user: userFacts('a', { tags: { 'AWSSEC:MFA-EXEMPT': '' }, mfaDevices: [device(VIRTUAL)] }),
      status: 'exempted',
      risk: 'low',
      reasons: ['exempted by tag awssec:mfa-exempt: no reason given'],
    },
    {
      name: 'an include pattern narrows the run but keeps an exclude pattern',
      user: userFacts('svc-backup', { accessKeys: [ACTIVE_KEY] }),
      selection: { include: ['svc-*'], exclude: ['svc-*'] },
      status: 'exempted',
      risk: 'high',
      reasons: ['exempted: matches exclude pattern svc-*', '1 active access key without MFA'],
    },
    {
      name: 'an include pattern keeps the exemption tag',
      user: userFacts('svc-exempt', { accessKeys: [ACTIVE_KEY], tags: { 'awssec:mfa-exempt': 'legacy' } }),
      selection: { include: ['svc-*', 'sv?-exempt'], exclude: [] },
      status: 'exempted',
      risk: 'high',
      reasons: ['exempted by tag awssec:mfa-exempt: legacy', '1 active access key without MFA'],
    },
    {
      name: 'an exact name in include overrides an exclude pattern, and says so',
      user: userFacts('svc-backup', { accessKeys: [ACTIVE_KEY] }),
      selection: { include: ['svc-backup'], exclude: ['svc-*'] },
      status: 'non-compliant',
      risk: 'high',
      reasons: [
        'exemption overridden (named by --include-users): exempted: matches exclude pattern svc-*',
        '1 active access key without MFA',
      ],
    },
    {
      name: 'an exact name in another case overrides the exemption tag, and says so',
      user: userFacts('svc-exempt', { consolePassword: true, tags: { 'awssec:mfa-exempt': 'legacy' } }),
      selection: { include: ['SVC-Exempt'], exclude: [] },
      status: 'non-compliant',
      risk: 'high',
      reasons: [
        'exemption overridden (named by --include-users): exempted by tag awssec:mfa-exempt: legacy',
        'console password without MFA',
      ],
    },
    {
      name: '--ignore-exemptions overrides the tag for every user, and says so',
      user: userFacts('a', { mfaDevices: [device(VIRTUAL)], tags: { 'awssec:mfa-exempt': '' } }),
      selection: { include: [], exclude: [], ignoreExemptions: true },
      status: 'compliant',
      risk: 'low',
      reasons: [
        'exemption overridden (--ignore-exemptions): exempted by tag awssec:mfa-exempt: no reason given',
        'MFA: virtual device',
      ],
    },
    {
      name: 'an exact name without an exemption: nothing to override, nothing said',
      user: userFacts('bob', { consolePassword: true }),
      selection: { include: ['bob'], exclude: [] },
      status: 'non-compliant',
      risk: 'high',
      reasons: ['console password without MFA'],
    },
    {
      name: 'exempted in grace: exemption wins, risk stays that of its credentials',
      user: userFacts('svc-new', { ageDays: 1, accessKeys: [ACTIVE_KEY] }),
      selection: { include: [], exclude: ['SVC-*'] },
      status: 'exempted',
      risk: 'high',
      reasons: ['exempted: matches exclude pattern SVC-*', '1 active access key without MFA'],
    },
  ];

  it.each(cases)('$name → $status, $risk', ({ user, selection, grace, status, risk, reasons }) => {
    const result = assess(user, selection, grace);
    expect(result.status).toBe(status);
    expect(result.risk).toBe(risk);
    expect(result.reasons).toEqual(reasons);
  });

  it('records the overridden exemption apart from the reasons, and nothing when none was', () => {
    const tagged = userFacts('svc-exempt', {
      accessKeys: [ACTIVE_KEY],
      tags: { 'awssec:mfa-exempt': 'legacy' },
    });
    expect(assess(tagged, { include: ['svc-exempt'], exclude: [] }).exemptionOverridden).toBe(
      'exemption overridden (named by --include-users): exempted by tag awssec:mfa-exempt: legacy',
    );
    expect(assess(tagged, { include: ['svc-*'], exclude: [] }).exemptionOverridden).toBeUndefined();
    expect(assess(userFacts('bob'), { include: ['bob'], exclude: [] }).exemptionOverridden).toBeUndefined();
  });

  it('counts active keys, console access and days since creation', () => {
    const result = assess(
      userFacts('a', { ageDays: 412, consolePassword: true, accessKeys: [ACTIVE_KEY, INACTIVE_KEY] }),
    );
    expect(result).toMatchObject({ consoleAccess: true, activeAccessKeys: 1, daysSinceCreation: 412 });
  });

  it('takes the latest use of the password or any key as last activity', () => {
    const result = assess(
      userFacts('a', {
        passwordLastUsedAt: daysAgo(10),
        accessKeys: [
          { active: true, lastUsedAt: daysAgo(3) },
          { active: false, lastUsedAt: daysAgo(1) },
        ],
      }),
    );
    expect(result.lastActivity).toEqual(daysAgo(1));
    expect(assess(userFacts('b')).lastActivity).toBeUndefined();
  });

  it('sets the end of the grace period only for users in it', () => {
    expect(assess(userFacts('a', { ageDays: 2, consolePassword: true })).gracePeriodEndsAt).toEqual(
      daysAgo(-5),
    );
    expect(assess(userFacts('b', { consolePassword: true })).gracePeriodEndsAt).toBeUndefined();
  });
});

describe('mfaDeviceKind', () => {
  it.each([
    ['arn:aws:iam::123456789012:mfa/alice', 'virtual'],
    ['arn:aws:iam::123456789012:mfa/path/alice-phone', 'virtual'],
    ['arn:aws-us-gov:iam::123456789012:mfa/alice', 'virtual'],
    ['arn:aws:iam::123456789012:mfa/root-account-mfa-device', 'virtual'],
    ['arn:aws:iam::123456789012:u2f/user/alice/yubikey-XYZ', 'security-key'],
    ['arn:aws-cn:iam::123456789012:u2f/root/passkey-1', 'security-key'],
    ['GAKT12345678', 'hardware-totp'],
  ])('%s is %s', (serial, kind) => {
    expect(mfaDeviceKind(serial)).toBe(kind);
  });
});
