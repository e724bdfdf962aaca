import type { ComplianceStatus, Risk } from '../lambdas/core/assessment.ts';
import { displaySafe } from '../lambdas/core/display-text.ts';
import { COMPLIANCE_TARGETS, type MfaReport, type MfaReportUser } from '../lambdas/core/mfa-report.ts';
import type { MfaDeviceKind } from '../lambdas/core/user-facts.ts';
import { headerList, table, title } from './boxes.ts';
import type { Style } from './terminal.ts';

/**
 * The human report: a boxed summary, one row per user, the at-risk lists,
 * the figures against their targets, the account findings and what to do.
 * Every value from AWS (names, ARNs, reasons from tags, errors) is shown
 * without control characters or escape sequences.
 */
export function renderReportTable(untrusted: MfaReport, style: Style): string {
  const report = displaySafe(untrusted);
  return [
    header(report, style),
    summary(report, style),
    users(report, style),
    atRisk(report, style),
    targets(report, style),
    account(report, style),
    recommendations(report, style),
  ]
    .filter((section) => section !== '')
    .join('\n\n')
    .concat('\n');
}

function header(report: MfaReport, style: Style): string {
  const box = table(style);
  const generated = `${formatDateTime(report.generated_at)} UTC`;
  const { inventory } = report;
  const sourceLine =
    inventory.source === 'bulk'
      ? `Source: credential report of ${inventory.credential_report_generated_at ? `${formatDateTime(inventory.credential_report_generated_at)} UTC` : 'unknown date'}` +
        (inventory.users_read_live > 0
          ? `, ${inventory.users_read_live} newer user${inventory.users_read_live === 1 ? '' : 's'} read live`
          : '')
      : inventory.fallback_reason !== null
        ? `Source: every user read live, because ${inventory.fallback_reason.replace(/: try again.*$/, '')}`
        : 'Source: every user read live';
  const { settings } = report;
  const scope = [
    settings.include_users.length > 0 ? `Only: ${headerList(settings.include_users)}` : '',
    settings.exclude_users.length > 0 ? `Exempted by name: ${headerList(settings.exclude_users)}` : '',
    settings.ignore_exemptions ? 'Exemptions: every one overridden (--ignore-exemptions)' : '',
  ].filter((line) => line !== '');
  box.push([
    [
      `${style.colors.bold(`${style.fancy ? '🔐 ' : ''}IAM MFA compliance report`)} · account ${report.account_id}`,
      `Generated ${generated} · grace period ${settings.grace_period_days} days`,
      sourceLine,
      ...scope,
    ].join('\n'),
  ]);
  return box.toString();
}

const STATUS_LABEL: Record<ComplianceStatus, string> = {
  compliant: 'compliant',
  'non-compliant': 'non-compliant',
  'grace-period': 'grace period',
  exempted: 'exempted',
};

const STATUS_EMOJI: Record<ComplianceStatus, string> = {
  compliant: '✅',
  'non-compliant': '❌',
  'grace-period': '⏳',
  exempted: '➖',
};

export function statusText(status: ComplianceStatus, style: Style): string {
  const label = STATUS_LABEL[status];
  const text = style.fancy ? `${STATUS_EMOJI[status]} ${label}` : label;
  const color = {
    compliant: style.colors.green,
    'non-compliant': style.colors.red,
    'grace-period': style.colors.yellow,
    exempted: style.colors.dim,
  }[status];
  return color(text);
}

export function riskText(risk: Risk, style: Style): string {
  const color = { high: style.colors.red, medium: style.colors.yellow, low: style.colors.green }[risk];
  return color(risk.toUpperCase());
}

function summary(report: MfaReport, style: Style): string {
  const { summary: s } = report;
  const rows = table(style, {
    head: ['Status', 'Users', 'Share'],
    colAligns: ['left', 'right', 'right'],
  });
  const share = (n: number) => (s.total === 0 ? '–' : `${((n / s.total) * 100).toFixed(1)}%`);
  for (const status of ['compliant', 'non-compliant', 'grace-period', 'exempted'] as const) {
    rows.push([statusText(status, style), String(s[status]), share(s[status])]);
  }
  rows.push([style.colors.bold('Total'), style.colors.bold(String(s.total)), '']);
  const highRisk = report.users.filter((u) => u.risk === 'high').length;
  return [
    title('Summary', style),
    rows.toString(),
    `Risk level: ${riskText(s.risk_level, style)} · ${highRisk} high-risk user${highRisk === 1 ? '' : 's'} · compliance ${s.compliance_percent.toFixed(1)}%`,
  ].join('\n');
}

const KIND_SHORT: Record<MfaDeviceKind, string> = {
  virtual: 'virtual',
  'security-key': 'FIDO key',
  'hardware-totp': 'hardware',
};

function mfaText(user: MfaReportUser, style: Style): string {
  if (user.mfa_devices.length === 0) return style.colors.red('none');
  const kinds = user.mfa_devices.map((d) => KIND_SHORT[d.kind]);
  return style.colors.green(kinds.length === 1 ? (kinds[0] ?? '') : `${kinds.length}: ${kinds.join(', ')}`);
}

function users(report: MfaReport, style: Style): string {
  return usersSection(report.users, style);
}

/** One row per user; `account` adds a first column (the organization's report). */
export function usersSection<U extends MfaReportUser>(
  list: readonly U[],
  style: Style,
  account?: { readonly head: string; readonly cell: (user: U) => string },
): string {
  if (list.length === 0) return `${title('Users', style)}\nNo IAM users in scope.`;
  const rows = table(
    style,
    {
      head: [
        ...(account === undefined ? [] : [account.head]),
        'User',
        'MFA',
        'Console',
        'Keys',
        'Last activity',
        'Assessment',
      ],
      colAligns: [
        ...(account === undefined ? [] : ['left' as const]),
        'left',
        'left',
        'left',
        'right',
        'left',
        'left',
      ],
      colWidths: [...(account === undefined ? [] : [null]), null, null, null, null, null, 52],
      wordWrap: true,
    },
    false,
  );
  for (const user of list) {
    rows.push([
      ...(account === undefined ? [] : [account.cell(user)]),
      user.username,
      mfaText(user, style),
      user.console_access ? 'yes' : 'no',
      String(user.active_access_keys),
      user.last_activity ? user.last_activity.slice(0, 10) : 'never',
      `${statusText(user.status, style)} · ${riskText(user.risk, style)}\n${user.reasons.join('; ')}`,
    ]);
  }
  return [
    title('Users', style),
    rows.toString(),
    'Keys: active access keys. Risk: HIGH without MFA, MEDIUM in grace period.',
  ].join('\n');
}

function atRisk(report: MfaReport, style: Style): string {
  const bullet = style.fancy ? '•' : '-';
  const line = (user: MfaReportUser, detail: string) =>
    `  ${bullet} ${user.username} (${STATUS_LABEL[user.status]}): ${detail}`;
  const highRisk = report.users.filter((u) => u.risk === 'high');
  const keyRisk = report.users.filter((u) => u.active_access_keys > 0 && u.mfa_devices.length === 0);
  const sections = [
    `${title(`High-risk users (${highRisk.length})`, style)}\n` +
      (highRisk.length === 0
        ? '  none'
        : highRisk
            .map((u) => line(u, u.reasons.filter((r) => r.includes('without MFA')).join('; ')))
            .join('\n')),
    `${title(`Access-key risk (${keyRisk.length})`, style)}\n` +
      (keyRisk.length === 0
        ? '  none: every user with an active access key has MFA'
        : keyRisk
            .map((u) =>
              line(
                u,
                `${u.active_access_keys} active key${u.active_access_keys === 1 ? '' : 's'}, last used ${u.last_activity?.slice(0, 10) ?? 'never'}`,
              ),
            )
            .join('\n')),
  ];
  return sections.join('\n\n');
}

function targets(report: MfaReport, style: Style): string {
  const rows = table(style, {
    head: ['Measure', 'Actual', 'Target', ''],
    colAligns: ['left', 'right', 'right', 'left'],
  });
  const measures = [
    ['Users compliant', 'compliance_percent'],
    ['Console users with MFA', 'console_users_with_mfa_percent'],
    ['Access-key users with MFA', 'key_users_with_mfa_percent'],
  ] as const;
  for (const [label, key] of measures) {
    const actual = report.summary[key];
    const target = COMPLIANCE_TARGETS[key];
    const met = actual >= target;
    rows.push([
      label,
      `${actual.toFixed(1)}%`,
      `${target}%`,
      met
        ? style.colors.green(style.fancy ? '✅ met' : 'met')
        : style.colors.red(style.fancy ? '❌ below' : 'below'),
    ]);
  }
  return [title('Compliance against targets', style), rows.toString()].join('\n');
}

function account(report: MfaReport, style: Style): string {
  const { account: a } = report;
  const good = (text: string) => style.colors.green(text);
  const bad = (text: string) => style.colors.red(text);
  const rows = table(style);
  rows.push(
    [
      'Root MFA',
      a.root_mfa_enabled
        ? good(`enabled (${a.root_mfa_kind})`)
        : a.root_has_credentials
          ? bad('NOT enabled')
          : good('not needed: root has no password, access keys or certificates'),
    ],
    ['Root access keys', a.root_access_keys_present ? bad('present') : good('none')],
    [
      'Groups without an MFA-enforcing policy',
      a.groups_without_mfa_policy.length === 0 ? good('none') : a.groups_without_mfa_policy.join(', '),
    ],
    ['RequireMFA policy', requireMfaPolicyText(a.require_mfa_policy, style)],
  );
  const deleted = report.inventory.users_deleted_during_run;
  return [
    title('Account', style),
    rows.toString(),
    ...(deleted.length > 0 ? [`Deleted while the report ran (not assessed): ${deleted.join(', ')}`] : []),
    ...report.inventory.users_unreadable.map((u) =>
      style.colors.red(`NOT ASSESSED: ${u.username}, because ${u.reason.replace(/ \(see .*\)$/, '')}`),
    ),
  ].join('\n');
}

function requireMfaPolicyText(policy: MfaReport['account']['require_mfa_policy'], style: Style): string {
  const version = policy.default_version === null ? '' : ` (${policy.default_version})`;
  switch (policy.status) {
    case 'canonical':
      return style.colors.green(`canonical${version}`);
    case 'missing':
      return 'not created yet (enforce or onboarding creates it)';
    case 'unreadable':
      return style.colors.yellow('not checked: access denied to iam:GetPolicy');
    case 'outdated':
      return style.colors.red(`OUTDATED${version}: an earlier release's document`);
    case 'tampered':
      return style.colors.red(`TAMPERED${version}: not the document this tool attaches`);
  }
}

function recommendations(report: MfaReport, style: Style): string {
  return [
    title('Recommendations', style),
    ...report.recommendations.map((text, index) => `  ${index + 1}. ${text}`),
  ].join('\n');
}

export function formatDateTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}
