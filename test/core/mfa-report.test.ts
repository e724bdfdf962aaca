import { describe, expect, it } from 'vitest';
import { buildMfaReport, type MfaReportOptions } from '../../lambdas/core/mfa-report.ts';
import type { UserFacts } from '../../lambdas/core/user-facts.ts';
import { ACTIVE_KEY, device, FIDO, inventoryOf, NOW, TOKEN, userFacts, VIRTUAL } from '../support/facts.ts';

const OPTIONS: MfaReportOptions = {
  now: NOW,
  gracePeriodDays: 7,
  selection: { include: [], exclude: ['svc-*'] },
};

/** The product sheet's sample account. */
const SAMPLE: UserFacts[] = [
  userFacts('john.doe', { consolePassword: true, accessKeys: [ACTIVE_KEY], mfaDevices: [device(VIRTUAL)] }),
  userFacts('jane.smith', { consolePassword: true, mfaDevices: [device(FIDO), device(TOKEN)] }),
  userFacts('bob.wilson', { consolePassword: true }),
  userFacts('alice.brown', { accessKeys: [ACTIVE_KEY] }),
  userFacts('old.account', { ageDays: 900, consolePassword: true, accessKeys: [ACTIVE_KEY] }),
  userFacts('new.user', { ageDays: 0, consolePassword: true }),
  userFacts('svc-backup', { accessKeys: [ACTIVE_KEY] }),
];

describe('buildMfaReport', () => {
  const report = buildMfaReport(inventoryOf(SAMPLE), OPTIONS);

  it('keeps the field names users’ scripts read', () => {
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'generated_at',
        'account_id',
        'summary',
        'account',
        'users',
        'recommendations',
      ]),
    );
    expect(Object.keys(report.summary)).toEqual(
      expect.arrayContaining([
        'total',
        'compliant',
        'non-compliant',
        'grace-period',
        'exempted',
        'compliance_percent',
        'console_users_with_mfa_percent',
        'key_users_with_mfa_percent',
      ]),
    );
    expect(Object.keys(report.account)).toEqual(
      expect.arrayContaining([
        'root_has_credentials',
        'root_mfa_enabled',
        'root_mfa_kind',
        'root_access_keys_present',
        'groups_without_mfa_policy',
      ]),
    );
    for (const user of report.users) {
      expect(Object.keys(user)).toEqual(
        expect.arrayContaining([
          'username',
          'user_id',
          'arn',
          'status',
          'risk',
          'mfa_devices',
          'console_access',
          'active_access_keys',
          'last_activity',
          'days_since_creation',
          'reasons',
        ]),
      );
    }
    expect(report.generated_at).toBe('2026-11-22T12:00:00.000Z');
  });

  it('counts the sample account as the product sheet does', () => {
    expect(report.summary).toEqual({
      total: 7,
      compliant: 2,
      'non-compliant': 3,
      'grace-period': 1,
      exempted: 1,
      compliance_percent: 28.6,
      // console: john, jane (MFA); bob, old, new (none) → 2 of 5
      console_users_with_mfa_percent: 40,
      // keys: john (MFA); alice, old, svc-backup (none) → 1 of 4
      key_users_with_mfa_percent: 25,
      risk_level: 'high',
    });
  });

  it('lists users worst first, by name within a status', () => {
    expect(report.users.map((u) => [u.username, u.status])).toEqual([
      ['alice.brown', 'non-compliant'],
      ['bob.wilson', 'non-compliant'],
      ['old.account', 'non-compliant'],
      ['new.user', 'grace-period'],
      ['svc-backup', 'exempted'],
      ['jane.smith', 'compliant'],
      ['john.doe', 'compliant'],
    ]);
  });

  it('describes each user’s devices, credentials and age', () => {
    const jane = report.users.find((u) => u.username === 'jane.smith');
    expect(jane?.mfa_devices).toEqual([
      { serial_number: FIDO, kind: 'security-key', enabled_at: '2026-10-23T12:00:00.000Z' },
      { serial_number: TOKEN, kind: 'hardware-totp', enabled_at: '2026-10-23T12:00:00.000Z' },
    ]);
    const old = report.users.find((u) => u.username === 'old.account');
    expect(old).toMatchObject({
      console_access: true,
      active_access_keys: 1,
      days_since_creation: 900,
      last_activity: null,
    });
    expect(report.users.find((u) => u.username === 'new.user')?.grace_period_ends_at).toBe(
      '2026-11-29T12:00:00.000Z',
    );
  });

  it.each([
    [
      'tampered',
      'The managed policy arn:aws:iam::123456789012:policy/RequireMFA is not the RequireMFA document',
    ],
    [
      'outdated',
      "Update the managed policy arn:aws:iam::123456789012:policy/RequireMFA to this release's RequireMFA",
    ],
  ] as const)('puts a %s RequireMFA first among the recommendations', (status, advice) => {
    const report = buildMfaReport(
      inventoryOf([], {
        requireMfaPolicy: {
          arn: 'arn:aws:iam::123456789012:policy/RequireMFA',
          status,
          defaultVersionId: 'v2',
        },
      }),
      OPTIONS,
    );
    expect(report.account.require_mfa_policy).toEqual({
      arn: 'arn:aws:iam::123456789012:policy/RequireMFA',
      status,
      default_version: 'v2',
    });
    expect(report.recommendations[0]).toContain(advice);
    expect(report.recommendations[0]).toContain('awssec iam-mfa policy --repair --apply');
  });

  it('reports the account findings', () => {
    const withFindings = buildMfaReport(
      inventoryOf([], {
        root: { mfaEnabled: true, virtualMfa: true, accessKeysPresent: true, hasCredentials: true },
        groups: [{ groupName: 'developers', policies: [] }],
      }),
      OPTIONS,
    );
    expect(withFindings.account).toEqual({
      root_has_credentials: true,
      root_mfa_enabled: true,
      root_mfa_kind: 'virtual',
      root_access_keys_present: true,
      groups_without_mfa_policy: ['developers'],
      require_mfa_policy: {
        arn: 'arn:aws:iam::123456789012:policy/RequireMFA',
        status: 'canonical',
        default_version: 'v1',
      },
    });
    expect(withFindings.recommendations).toEqual([
      "Delete the root user's access keys: nothing should call AWS as root.",
      'Move the root user from a virtual MFA device to a FIDO security key or hardware token.',
      'Attach an MFA-enforcing policy (RequireMFA) to the group developers.',
    ]);
  });

  it('recommends what the sample needs, naming the users', () => {
    expect(report.recommendations).toEqual([
      'Console passwords without MFA: 2 users (bob.wilson, old.account). Have them register an MFA device, or remove passwords nobody uses.',
      'Access keys without MFA: 2 users (alice.brown, old.account). Give them MFA and have their tools call sts:GetSessionToken, or move the workload to an IAM role.',
      'Exempted but reachable without MFA: 1 user (svc-backup). Review each exemption; services are better served by IAM roles.',
      'In the grace period: 1 new user (new.user), the first until 2026-11-29. Make sure they set up MFA in time.',
    ]);
  });

  it('names five users and counts the rest', () => {
    const many = Array.from({ length: 8 }, (_, i) => userFacts(`u${i}`, { consolePassword: true }));
    const text = buildMfaReport(inventoryOf(many), OPTIONS).recommendations[0];
    expect(text).toContain('8 users (u0, u1, u2, u3, u4 and 3 more)');
  });

  it('reports an empty account as fully covered, at low risk', () => {
    const empty = buildMfaReport(inventoryOf([]), OPTIONS);
    expect(empty.summary).toMatchObject({
      total: 0,
      compliance_percent: 100,
      console_users_with_mfa_percent: 100,
      key_users_with_mfa_percent: 100,
      risk_level: 'low',
    });
    expect(empty.recommendations).toEqual([
      'Every user in scope is behind MFA. Keep the nightly report running to catch new users.',
    ]);
  });

  it('rates the account by its worst exposure nobody accepted', () => {
    const risk = (
      users: UserFacts[],
      root = { mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true },
    ) => buildMfaReport(inventoryOf(users, { root }), OPTIONS).summary.risk_level;
    expect(risk([userFacts('a', { mfaDevices: [device(VIRTUAL)] })])).toBe('low');
    expect(risk([userFacts('a', { ageDays: 1, consolePassword: true })])).toBe('medium');
    expect(risk([userFacts('svc-a', { accessKeys: [ACTIVE_KEY] })])).toBe('medium');
    expect(risk([userFacts('a', { consolePassword: true })])).toBe('high');
    expect(
      risk([], { mfaEnabled: false, virtualMfa: false, accessKeysPresent: false, hasCredentials: true }),
    ).toBe('high');
    expect(
      risk([], { mfaEnabled: true, virtualMfa: false, accessKeysPresent: true, hasCredentials: true }),
    ).toBe('high');
    // Root whose credentials were removed centrally: nothing to sign in with, so no MFA to want.
    expect(
      risk([], { mfaEnabled: false, virtualMfa: false, accessKeysPresent: false, hasCredentials: false }),
    ).toBe('low');
  });

  it('asks for root MFA only when root has credentials, and says AWS leaves a gap until then', () => {
    const withRoot = (hasCredentials: boolean) =>
      buildMfaReport(
        inventoryOf([], {
          root: { mfaEnabled: false, virtualMfa: false, accessKeysPresent: false, hasCredentials },
        }),
        OPTIONS,
      );
    expect(withRoot(true).account).toMatchObject({ root_has_credentials: true, root_mfa_enabled: false });
    expect(withRoot(true).recommendations).toEqual([
      "Enable MFA on the root user now, preferably a FIDO security key or hardware token kept offline: AWS asks for one only at root's next console sign-in, and never for its access keys.",
    ]);
    expect(withRoot(false).account).toMatchObject({ root_has_credentials: false, root_mfa_enabled: false });
    expect(withRoot(false).recommendations).toEqual([
      'Every user in scope is behind MFA. Keep the nightly report running to catch new users.',
    ]);
  });

  it('leaves users outside the include patterns out of the report; a pattern keeps exemptions', () => {
    const narrowed = buildMfaReport(inventoryOf(SAMPLE), {
      ...OPTIONS,
      selection: { include: ['bob.wilson', 'svc-*'], exclude: ['svc-*'] },
    });
    expect(narrowed.users.map((u) => [u.username, u.status, u.exemption_overridden])).toEqual([
      ['bob.wilson', 'non-compliant', null],
      ['svc-backup', 'exempted', null],
    ]);
    expect(narrowed.settings).toEqual({
      grace_period_days: 7,
      include_users: ['bob.wilson', 'svc-*'],
      include_users_unmatched: [],
      exclude_users: ['svc-*'],
      exemption_tag: 'awssec:mfa-exempt',
      ignore_exemptions: false,
    });
  });

  it('says which exemption an exact name in include_users overrode', () => {
    const named = buildMfaReport(inventoryOf(SAMPLE), {
      ...OPTIONS,
      selection: { include: ['svc-backup'], exclude: ['svc-*'] },
    });
    expect(named.users.map((u) => [u.username, u.status, u.exemption_overridden])).toEqual([
      [
        'svc-backup',
        'non-compliant',
        'exemption overridden (named by --include-users): exempted: matches exclude pattern svc-*',
      ],
    ]);
    expect(named.users[0]?.reasons[0]).toBe(named.users[0]?.exemption_overridden);
  });

  it('records ignore_exemptions in the settings', () => {
    const report = buildMfaReport(inventoryOf(SAMPLE), {
      ...OPTIONS,
      selection: { include: [], exclude: [], ignoreExemptions: true },
    });
    expect(report.settings.ignore_exemptions).toBe(true);
    expect(report.summary.exempted).toBe(0);
  });
});
