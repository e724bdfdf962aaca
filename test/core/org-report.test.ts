import { describe, expect, it } from 'vitest';
import { renderOrgReportTable } from '../../cli/render-org-table.ts';
import { PLAIN_STYLE } from '../../cli/terminal.ts';
import { buildMfaReport, type MfaReportOptions } from '../../lambdas/core/mfa-report.ts';
import {
  type AccountOutcome,
  buildOrgReport,
  type OrgReportSettings,
} from '../../lambdas/core/org-report.ts';
import type { UserFacts } from '../../lambdas/core/user-facts.ts';
import { ACTIVE_KEY, device, inventoryOf, NOW, userFacts, VIRTUAL } from '../support/facts.ts';

const ROOT = { mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true };
const OPTIONS: MfaReportOptions = { now: NOW, gracePeriodDays: 7, selection: { include: [], exclude: [] } };

const account = (
  accountId: string,
  users: UserFacts[],
  options: Partial<MfaReportOptions> = {},
): AccountOutcome => ({
  accountId,
  name: `name-${accountId.slice(-1)}`,
  report: buildMfaReport(inventoryOf(users, { accountId, root: ROOT }), { ...OPTIONS, ...options }),
});

const settings = (include: string[] = []): OrgReportSettings => ({
  now: NOW,
  callerAccountId: '111111111111',
  roleName: 'AwssecIamMfaAudit',
  accounts: [],
  accountConcurrency: 8,
  reportSettings: buildMfaReport(inventoryOf([]), {
    ...OPTIONS,
    selection: { include, exclude: [] },
  }).settings,
});

const compliant = (name: string) => userFacts(name, { consolePassword: true, mfaDevices: [device(VIRTUAL)] });
const exposed = (name: string) => userFacts(name, { accessKeys: [ACTIVE_KEY] });

describe('buildOrgReport', () => {
  const outcomes: AccountOutcome[] = [
    account('111111111111', [compliant('a'), compliant('b')]),
    account('222222222222', [compliant('c'), exposed('d')]),
    { accountId: '333333333333', name: 'broken', error: 'access denied to sts:AssumeRole' },
    account('444444444444', [exposed('e'), exposed('f'), compliant('g')]),
  ];
  const report = buildOrgReport(outcomes, settings());

  it('puts the accounts worst first: not assessed, then by risk and compliance', () => {
    expect(report.accounts.map((a) => [a.account_id, a.status, a.summary?.risk_level ?? null])).toEqual([
      ['333333333333', 'not-assessed', null],
      ['444444444444', 'assessed', 'high'],
      ['222222222222', 'assessed', 'high'],
      ['111111111111', 'assessed', 'low'],
    ]);
    expect(report.accounts[0]).toMatchObject({
      reason: 'access denied to sts:AssumeRole',
      summary: null,
      account: null,
    });
  });

  it('counts the organization over every assessed user, and takes its worst account’s risk', () => {
    expect(report.summary).toMatchObject({
      accounts: 4,
      accounts_assessed: 3,
      accounts_not_assessed: 1,
      total: 7,
      compliant: 4,
      'non-compliant': 3,
      compliance_percent: 57.1,
      key_users_with_mfa_percent: 0,
      console_users_with_mfa_percent: 100,
      risk_level: 'high',
    });
    expect(report.users.map((u) => `${u.account_id}/${u.username}`)).toEqual([
      '111111111111/a',
      '111111111111/b',
      '222222222222/d',
      '222222222222/c',
      '444444444444/e',
      '444444444444/f',
      '444444444444/g',
    ]);
  });

  it('calls an --include-users item unmatched only when it named nobody in any account', () => {
    const include = ['a', 'e', 'nobody'];
    const narrowed = buildOrgReport(
      [
        account('111111111111', [compliant('a')], { selection: { include, exclude: [] } }),
        account('444444444444', [exposed('e')], { selection: { include, exclude: [] } }),
      ],
      settings(include),
    );
    expect(narrowed.settings.include_users_unmatched).toEqual(['nobody']);
  });

  it('rates an account nobody could read as high risk: unknown is not safe', () => {
    const unread = { accountId: '333333333333', name: 'x', error: 'denied' };
    const none = buildOrgReport([unread], settings());
    expect(none.summary).toMatchObject({ accounts: 1, accounts_assessed: 0, total: 0, risk_level: 'high' });
    const clean = buildOrgReport([account('111111111111', [compliant('a')]), unread], settings());
    expect(clean.summary.risk_level).toBe('high');
    expect(buildOrgReport([account('111111111111', [compliant('a')])], settings()).summary.risk_level).toBe(
      'low',
    );
  });
});

describe('the organization table', () => {
  it("shows an account's name and a not-assessed reason without control characters or escape sequences", () => {
    const esc = '\u001b';
    const hostile = `prod${esc}[2J${esc}]0;owned\u0007\r\nFAKE-ROW \u202eevil`;
    const report = buildOrgReport(
      [
        { ...account('111111111111', [compliant('a')]), name: hostile },
        { accountId: '333333333333', name: hostile, error: `AccessDenied${esc}[31m\nforged line` },
      ],
      settings(),
    );
    const table = renderOrgReportTable(report, PLAIN_STYLE);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what the test looks for
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(table).toContain('NOT ASSESSED: AccessDenied forged line');
    expect(table.split('\n').filter((line) => line.includes('FAKE-ROW'))).toHaveLength(2);
    // The JSON keeps the values as they are.
    expect(report.accounts.map((a) => a.account_name)).toEqual([hostile, hostile]);
  });
});
