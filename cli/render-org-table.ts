import { displaySafe } from '../lambdas/core/display-text.ts';
import type { OrgMfaReport } from '../lambdas/core/org-report.ts';
import { table, title } from './boxes.ts';
import { formatDateTime, riskText, usersSection } from './render-table.ts';
import type { Style } from './terminal.ts';

/**
 * The organization's report: a header, one row per account (those not
 * assessed first, with the reason), then every user with their account.
 * Values from AWS are shown without control characters or escape sequences.
 */
export function renderOrgReportTable(untrusted: OrgMfaReport, style: Style): string {
  const report = displaySafe(untrusted);
  const s = report.summary;
  const box = table(style);
  box.push([
    [
      `${style.colors.bold(`${style.fancy ? '🔐 ' : ''}IAM MFA compliance report`)} · organization, from account ${report.caller_account_id}`,
      `Generated ${formatDateTime(report.generated_at)} UTC · grace period ${report.settings.grace_period_days} days`,
      `Accounts: ${s.accounts_assessed} of ${s.accounts} assessed, through the role ${report.settings.role_name}`,
    ].join('\n'),
  ]);
  const accounts = table(style, {
    head: ['Account', 'Name', 'Users', 'Non-compliant', 'Compliance', 'Risk'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
  });
  for (const account of report.accounts) {
    const a = account.summary;
    accounts.push(
      a === null
        ? [
            account.account_id,
            account.account_name,
            { colSpan: 4, content: style.colors.red(`NOT ASSESSED: ${account.reason ?? ''}`) },
          ]
        : [
            account.account_id,
            account.account_name,
            String(a.total),
            String(a['non-compliant']),
            `${a.compliance_percent.toFixed(1)}%`,
            riskText(a.risk_level, style),
          ],
    );
  }
  const notAssessed = s.accounts_not_assessed;
  return [
    box.toString(),
    [
      title('Accounts', style),
      accounts.toString(),
      `Organization: ${s.total} users · ${s['non-compliant']} non-compliant · compliance ${s.compliance_percent.toFixed(1)}% · risk ${riskText(s.risk_level, style)}` +
        (notAssessed > 0
          ? style.colors.red(` · ${notAssessed} account${notAssessed === 1 ? '' : 's'} NOT ASSESSED`)
          : ''),
    ].join('\n'),
    usersSection(report.users, style, { head: 'Account', cell: (user) => user.account_id }),
  ]
    .join('\n\n')
    .concat('\n');
}
