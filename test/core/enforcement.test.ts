import { describe, expect, it } from 'vitest';
import { assessUser, type UserAssessment } from '../../lambdas/core/assessment.ts';
import {
  blastRadiusExceeded,
  disabledKeyIds,
  ENFORCEMENT_TAGS,
  enforcementTags,
  type LiveUserState,
  needsEnforcement,
  plannedActions,
  restorePlan,
  selectTargets,
} from '../../lambdas/core/enforcement.ts';
import type { UserFacts } from '../../lambdas/core/user-facts.ts';
import { createUserSelector, patternMatcher } from '../../lambdas/core/user-selection.ts';
import { ACTIVE_KEY, device, INACTIVE_KEY, NOW, userFacts, VIRTUAL } from '../support/facts.ts';

function assess(user: UserFacts, exclude: string[] = []): UserAssessment {
  return assessUser(user, {
    now: NOW,
    gracePeriodDays: 7,
    selector: createUserSelector({ include: [], exclude }),
  });
}

const key = (id: string, active = true) => ({ ...(active ? ACTIVE_KEY : INACTIVE_KEY), accessKeyId: id });

describe('selectTargets', () => {
  const assessments = [
    assess(userFacts('console.only', { consolePassword: true })),
    assess(userFacts('keys.only', { accessKeys: [ACTIVE_KEY] })),
    assess(userFacts('Runner', { consolePassword: true })),
    assess(userFacts('breakglass-1', { consolePassword: true })),
    assess(userFacts('with.mfa', { consolePassword: true, mfaDevices: [device(VIRTUAL)] })),
    assess(userFacts('new.user', { consolePassword: true, ageDays: 1 })),
    assess(userFacts('svc-x', { accessKeys: [ACTIVE_KEY] }), ['svc-*']),
  ];

  it('targets only non-compliant users, and never the caller or break-glass users', () => {
    const { targets, protectedUsers } = selectTargets(assessments, {
      callerUserName: 'runner', // IAM names are unique regardless of case
      breakGlass: patternMatcher(['breakglass-*']),
    });
    expect(targets.map((t) => t.user.userName)).toEqual(['console.only', 'keys.only']);
    expect(protectedUsers.map((p) => [p.assessment.user.userName, p.reason])).toEqual([
      ['Runner', 'caller'],
      ['breakglass-1', 'break-glass'],
    ]);
  });

  it('targets every non-compliant user when nobody is protected', () => {
    const { targets } = selectTargets(assessments, { breakGlass: patternMatcher([]) });
    expect(targets).toHaveLength(4);
  });
});

describe('blastRadiusExceeded', () => {
  const limits = { maxUsers: 10, maxPercent: 50 };
  it.each([
    [10, 100, undefined],
    [0, 0, undefined],
    [5, 10, undefined],
    [11, 100, 'this run would act on 11 users: more than --max-users 10'],
    [6, 10, "this run would act on 6 users: 60.0% of the account's 10 users, above --max-percent 50"],
    [
      12,
      20,
      "this run would act on 12 users: more than --max-users 10, and 60.0% of the account's 20 users, above --max-percent 50",
    ],
  ])('%i of %i users', (targets, users, expected) => {
    expect(blastRadiusExceeded(targets, users, limits)).toBe(expected);
  });
});

describe('plannedActions', () => {
  const state = (facts: Partial<UserFacts>, requireMfaAttached = false): LiveUserState => ({
    facts: userFacts('bob', facts),
    requireMfaAttached,
  });

  it('disables each active key, attaches RequireMFA, and leaves the password unless asked', () => {
    const live = state({
      consolePassword: true,
      accessKeys: [key('AKIA1'), key('AKIA2', false), key('AKIA3')],
    });
    expect(plannedActions(live, { disableConsoleAccess: false })).toEqual([
      { kind: 'disable-access-key', accessKeyId: 'AKIA1' },
      { kind: 'disable-access-key', accessKeyId: 'AKIA3' },
      { kind: 'attach-require-mfa' },
    ]);
    expect(plannedActions(live, { disableConsoleAccess: true }).at(-1)).toEqual({
      kind: 'delete-login-profile',
    });
  });

  it('plans nothing that is already done', () => {
    const live = state({ consolePassword: false, accessKeys: [key('AKIA1', false)] }, true);
    expect(plannedActions(live, { disableConsoleAccess: true })).toEqual([]);
  });
});

describe('needsEnforcement', () => {
  const REQUIRE_MFA = 'arn:aws:iam::123456789012:policy/RequireMFA';
  it.each([
    [
      'an active key',
      userFacts('u', { accessKeys: [ACTIVE_KEY], attachedPolicyArns: [REQUIRE_MFA] }),
      false,
      true,
    ],
    ['RequireMFA not attached', userFacts('u', { consolePassword: true }), false, true],
    [
      'keys off, RequireMFA on, password kept',
      userFacts('u', { consolePassword: true, attachedPolicyArns: [REQUIRE_MFA] }),
      false,
      false,
    ],
    [
      'the same, with --disable-console-access',
      userFacts('u', { consolePassword: true, attachedPolicyArns: [REQUIRE_MFA] }),
      true,
      true,
    ],
  ])('%s → %s', (_, user, disableConsoleAccess, expected) => {
    expect(needsEnforcement(user, { disableConsoleAccess, requireMfaPolicyArn: REQUIRE_MFA })).toBe(expected);
  });
});

describe('enforcementTags', () => {
  it('records the time, the keys, the policy and the password, merged with earlier runs', () => {
    const tags = enforcementTags(
      { [ENFORCEMENT_TAGS.disabledKeys]: 'AKIAOLD', team: 'x' },
      [
        { kind: 'disable-access-key', accessKeyId: 'AKIANEW' },
        { kind: 'attach-require-mfa' },
        { kind: 'delete-login-profile' },
      ],
      NOW,
    );
    expect(tags).toEqual({
      'awssec:mfa-enforced-at': NOW.toISOString(),
      'awssec:mfa-disabled-keys': 'AKIAOLD AKIANEW',
      'awssec:mfa-policy-attached-at': NOW.toISOString(),
      'awssec:mfa-console-removed': NOW.toISOString(),
    });
    // IAM tag values allow no commas.
    expect(Object.values(tags).every((value) => /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))).toBe(true);
  });

  it('writes nothing when there is nothing to do', () => {
    expect(enforcementTags({}, [], NOW)).toEqual({});
  });

  it('keeps the value within IAM’s 256 characters, dropping the oldest ids', () => {
    const old = Array.from({ length: 12 }, (_, i) => `AKIA${String(i).padStart(16, '0')}`).join(' ');
    const tags = enforcementTags(
      { [ENFORCEMENT_TAGS.disabledKeys]: old },
      [{ kind: 'disable-access-key', accessKeyId: 'AKIANEWNEWNEWNEWNEW1' }],
      NOW,
    );
    const value = tags[ENFORCEMENT_TAGS.disabledKeys] ?? '';
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value.endsWith('AKIANEWNEWNEWNEWNEW1')).toBe(true);
    expect(value.startsWith('AKIA0000000000000000')).toBe(false);
  });
});

describe('restorePlan', () => {
  const enforcedTags = {
    'awssec:mfa-enforced-at': '2026-11-01T00:00:00.000Z',
    'awssec:mfa-disabled-keys': 'AKIA1 AKIA2 AKIAGONE',
    'awssec:mfa-policy-attached-at': '2026-11-01T00:00:00.000Z',
    'awssec:mfa-console-removed': '2026-11-01T00:00:00.000Z',
  };

  it('re-enables the inactive keys enforcement disabled, detaches its policy and removes its tags', () => {
    const plan = restorePlan({
      facts: userFacts('bob', {
        tags: { ...enforcedTags, team: 'x' },
        accessKeys: [key('AKIA1', false), key('AKIA2', true), key('AKIAOTHER', false)],
      }),
      requireMfaAttached: true,
    });
    expect(plan.actions).toEqual([
      { kind: 'enable-access-key', accessKeyId: 'AKIA1' },
      { kind: 'detach-require-mfa' },
      {
        kind: 'remove-enforcement-tags',
        tagKeys: [
          'awssec:mfa-enforced-at',
          'awssec:mfa-disabled-keys',
          'awssec:mfa-policy-attached-at',
          'awssec:mfa-console-removed',
        ],
      },
    ]);
    expect(plan.cannotRestore).toEqual([
      'the console password deleted at 2026-11-01T00:00:00.000Z: AWS keeps no copy; set a new one with aws iam create-login-profile --user-name bob --password-reset-required --password …',
    ]);
  });

  it('leaves a RequireMFA that enforcement did not attach (onboarding’s) in place', () => {
    const plan = restorePlan({
      facts: userFacts('bob', {
        tags: { 'awssec:mfa-enforced-at': 'x', 'awssec:mfa-disabled-keys': 'AKIA1' },
      }),
      requireMfaAttached: true,
    });
    expect(plan.actions.map((a) => a.kind)).toEqual(['remove-enforcement-tags']);
  });

  it('has nothing to do for a user enforcement never touched', () => {
    const plan = restorePlan({ facts: userFacts('bob', { tags: { team: 'x' } }), requireMfaAttached: true });
    expect(plan).toEqual({ actions: [], cannotRestore: [], enforced: false });
  });

  it('reads the key ids from the tag', () => {
    expect(disabledKeyIds({ 'AWSSEC:MFA-DISABLED-KEYS': ' AKIA1  AKIA2 ' })).toEqual(['AKIA1', 'AKIA2']);
  });
});
