import { describe, expect, it } from 'vitest';
import { assessUser, type UserAssessment } from '../../lambdas/core/assessment.ts';
import {
  blastRadiusExceeded,
  disabledKeyIds,
  disabledKeys,
  ENFORCEMENT_TAGS,
  enforcementTags,
  type LiveUserState,
  needsEnforcement,
  plannedActions,
  restorePlan,
  selectTargets,
  UnrecordedKeyError,
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
  it('records the time, each key with when it was disabled, the policy and the password, merged with earlier runs', () => {
    const tags = enforcementTags(
      { [ENFORCEMENT_TAGS.disabledKeys]: 'AKIAOLDOLDOLDOLDOLD1', team: 'x' },
      [
        { kind: 'disable-access-key', accessKeyId: 'AKIANEWNEWNEWNEWNEW1' },
        { kind: 'attach-require-mfa' },
        { kind: 'delete-login-profile' },
      ],
      NOW,
    );
    expect(tags).toEqual({
      'awssec:mfa-enforced-at': NOW.toISOString(),
      'awssec:mfa-disabled-keys': `AKIAOLDOLDOLDOLDOLD1 AKIANEWNEWNEWNEWNEW1@${NOW.toISOString().replace(/\.\d+Z$/, 'Z')}`,
      'awssec:mfa-policy-attached-at': NOW.toISOString(),
      'awssec:mfa-console-removed': NOW.toISOString(),
    });
    // IAM tag values allow letters, digits, spaces and _ . : / = + - @ (no commas).
    expect(Object.values(tags).every((value) => /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))).toBe(true);
  });

  it('writes nothing when there is nothing to do', () => {
    expect(enforcementTags({}, [], NOW)).toEqual({});
  });

  it('keeps the value within IAM’s 256 characters, dropping the oldest keys', () => {
    const old = Array.from(
      { length: 12 },
      (_, i) => `AKIA${String(i).padStart(16, '0')}@2026-01-01T00:00:00Z`,
    ).join(' ');
    const tags = enforcementTags(
      { [ENFORCEMENT_TAGS.disabledKeys]: old },
      [{ kind: 'disable-access-key', accessKeyId: 'AKIANEWNEWNEWNEWNEW1' }],
      NOW,
    );
    const value = tags[ENFORCEMENT_TAGS.disabledKeys] ?? '';
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value).toMatch(/ AKIANEWNEWNEWNEWNEW1@\S+$/);
    expect(value.startsWith('AKIA0000000000000000')).toBe(false);
  });
});

describe('disabledKeys', () => {
  it('reads ids with their times, bare ids with the time of the enforcement, and ignores what is not a key id', () => {
    expect(
      disabledKeys({
        'AWSSEC:MFA-DISABLED-KEYS':
          ' AKIA1111111111111111@2026-11-02T03:04:05Z  AKIA2222222222222222 <script> ',
        'awssec:mfa-enforced-at': '2026-11-01T00:00:00.000Z',
      }),
    ).toEqual([
      { accessKeyId: 'AKIA1111111111111111', disabledAt: new Date('2026-11-02T03:04:05Z') },
      { accessKeyId: 'AKIA2222222222222222', disabledAt: new Date('2026-11-01T00:00:00.000Z') },
    ]);
  });
});

describe('restorePlan', () => {
  const DISABLED_AT = '2026-11-01T00:00:00Z';
  const enforcedTags = {
    'awssec:mfa-enforced-at': '2026-11-01T00:00:00.000Z',
    'awssec:mfa-disabled-keys': `AKIA1111111111111111@${DISABLED_AT} AKIA2222222222222222@${DISABLED_AT} AKIAGONEGONEGONEGONE@${DISABLED_AT}`,
    'awssec:mfa-policy-attached-at': '2026-11-01T00:00:00.000Z',
    'awssec:mfa-console-removed': '2026-11-01T00:00:00.000Z',
  };
  const usedAt = (id: string, active: boolean, lastUsedAt: string) => ({
    ...key(id, active),
    lastUsedAt: new Date(lastUsedAt),
  });

  it('re-enables the inactive keys enforcement disabled, detaches its policy and removes its tags', () => {
    const plan = restorePlan({
      facts: userFacts('bob', {
        tags: { ...enforcedTags, team: 'x' },
        accessKeys: [
          key('AKIA1111111111111111', false),
          key('AKIA2222222222222222', true),
          key('AKIAOTHER', false),
        ],
      }),
      requireMfaAttached: true,
    });
    expect(plan.actions).toEqual([
      { kind: 'enable-access-key', accessKeyId: 'AKIA1111111111111111' },
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
    expect(plan.keys.map((k) => [k.accessKeyId, k.state, k.verdict, k.why])).toEqual([
      ['AKIA1111111111111111', 'inactive', 're-enable', 'inactive, as enforcement left it'],
      ['AKIA2222222222222222', 'active', 'skip', 'already active: somebody re-enabled it'],
      ['AKIAGONEGONEGONEGONE', 'deleted', 'skip', 'deleted since: nothing to re-enable'],
    ]);
    expect(plan.cannotRestore).toEqual([
      'the console password deleted at 2026-11-01T00:00:00.000Z: AWS keeps no copy; set a new one with aws iam create-login-profile --user-name bob --password-reset-required --password …',
    ]);
  });

  it('leaves disabled a key used after enforcement disabled it: somebody re-enabled it and disabled it again', () => {
    const plan = restorePlan({
      facts: userFacts('bob', {
        tags: enforcedTags,
        accessKeys: [
          usedAt('AKIA1111111111111111', false, '2026-11-05T10:00:00Z'),
          // Used within minutes of being disabled: IAM had not stopped it everywhere yet.
          usedAt('AKIA2222222222222222', false, '2026-11-01T00:03:00Z'),
        ],
      }),
      requireMfaAttached: false,
    });
    expect(plan.actions.filter((a) => a.kind === 'enable-access-key')).toEqual([
      { kind: 'enable-access-key', accessKeyId: 'AKIA2222222222222222' },
    ]);
    expect(plan.keys[0]).toMatchObject({
      verdict: 'skip',
      why: expect.stringContaining('used at 2026-11-05T10:00:00.000Z, after enforcement disabled it'),
    });
  });

  it('with onlyKeys restores those keys alone, keeps RequireMFA, and keeps the other keys in the record', () => {
    const plan = restorePlan(
      {
        facts: userFacts('bob', {
          tags: enforcedTags,
          accessKeys: [key('AKIA1111111111111111', false), key('AKIA2222222222222222', false)],
        }),
        requireMfaAttached: true,
      },
      { onlyKeys: ['AKIA2222222222222222'] },
    );
    expect(plan.actions).toEqual([
      { kind: 'enable-access-key', accessKeyId: 'AKIA2222222222222222' },
      {
        kind: 'update-enforcement-record',
        tags: {
          'awssec:mfa-disabled-keys': `AKIA1111111111111111@${DISABLED_AT} AKIAGONEGONEGONEGONE@${DISABLED_AT}`,
        },
      },
    ]);
    expect(plan.keys[0]).toMatchObject({
      verdict: 'skip',
      why: 'not selected (--key): left as it is, and kept in the record',
    });
    expect(plan.cannotRestore).toEqual([]);
  });

  it('refuses a --key that enforcement did not disable', () => {
    const state = { facts: userFacts('bob', { tags: enforcedTags }), requireMfaAttached: true };
    expect(() => restorePlan(state, { onlyKeys: ['AKIANOTRECORDED00000'] })).toThrow(
      new UnrecordedKeyError(
        '--key AKIANOTRECORDED00000: enforcement did not disable this key of bob (it disabled AKIA1111111111111111, AKIA2222222222222222, AKIAGONEGONEGONEGONE); see awssec iam-mfa restore --user bob',
      ),
    );
  });

  it('leaves a RequireMFA that enforcement did not attach (onboarding’s) in place', () => {
    const plan = restorePlan({
      facts: userFacts('bob', {
        tags: { 'awssec:mfa-enforced-at': 'x', 'awssec:mfa-disabled-keys': 'AKIA1111111111111111' },
      }),
      requireMfaAttached: true,
    });
    expect(plan.actions.map((a) => a.kind)).toEqual(['remove-enforcement-tags']);
  });

  it('says whether enforce would act again: not for a user left with no way in', () => {
    const passwordGone = restorePlan({
      facts: userFacts('bob', { tags: { 'awssec:mfa-console-removed': 'x' }, consolePassword: false }),
      requireMfaAttached: true,
    });
    expect(passwordGone.stillExposed).toBe(false);
    const keyBack = restorePlan({
      facts: userFacts('bob', { tags: enforcedTags, accessKeys: [key('AKIA1111111111111111', false)] }),
      requireMfaAttached: true,
    });
    expect(keyBack.stillExposed).toBe(true);
  });

  it('has nothing to do for a user enforcement never touched', () => {
    const plan = restorePlan({ facts: userFacts('bob', { tags: { team: 'x' } }), requireMfaAttached: true });
    expect(plan).toEqual({ actions: [], keys: [], cannotRestore: [], enforced: false, stillExposed: false });
  });

  it('reads the key ids from the tag', () => {
    expect(
      disabledKeyIds({ 'AWSSEC:MFA-DISABLED-KEYS': ' AKIA1111111111111111  AKIA2222222222222222 ' }),
    ).toEqual(['AKIA1111111111111111', 'AKIA2222222222222222']);
  });
});
