import { displaySafe } from '../lambdas/core/display-text.ts';
import { toCsv } from '../lambdas/core/report-csv.ts';
import type {
  EnforcementActionRecord,
  EnforcementRun,
  EnforcementUserRecord,
  UserOutcome,
} from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { OrgEnforcementRun } from '../lambdas/use-cases/enforce-org-mfa-compliance.ts';
import type { RestoreRun } from '../lambdas/use-cases/restore-user.ts';
import { headerList, table, title } from './boxes.ts';
import type { Style } from './terminal.ts';

const ACTION_TEXT: Record<EnforcementActionRecord['action'], string> = {
  'disable-access-key': 'disable access key',
  'attach-require-mfa': 'attach RequireMFA',
  'delete-login-profile': 'delete console password',
  'record-tags': 'record in tags',
};

const OUTCOME_TEXT: Record<UserOutcome, string> = {
  planned: 'planned',
  enforced: 'enforced',
  failed: 'FAILED',
  'cannot-record': 'NOT ACTED ON: cannot record (tag quota)',
  'already-enforced': 'already enforced: nothing to do',
  'changed-since-report': 'left alone: changed since the report',
  deleted: 'left alone: deleted since the report',
  protected: 'protected: never acted on',
};

/**
 * The plan (dry run) or the results (after --apply): a header with the
 * guards, one row per user, the totals and what the run means for people.
 * Every value from AWS (names, ARNs, reasons from tags, errors) is shown
 * without control characters or escape sequences.
 */
export function renderEnforcementTable(untrusted: EnforcementRun, style: Style): string {
  const run = displaySafe(untrusted);
  return [header(run, style), users(run, style), totals(run, style), impact(run, style)]
    .filter((section) => section !== '')
    .join('\n\n')
    .concat('\n');
}

function header(run: EnforcementRun, style: Style): string {
  const { guard } = run;
  const percent = guard.users_in_account === 0 ? 0 : (guard.targets / guard.users_in_account) * 100;
  const mode = run.dry_run
    ? style.colors.yellow('DRY RUN: nothing was changed')
    : style.colors.bold(`APPLIED: ${appliedOutcome(run)}`);
  const guardLine =
    guard.exceeded === null
      ? `Blast radius: ${guard.targets} of ${count(guard.users_in_account, 'user')} (${percent.toFixed(1)}%), within --max-users ${guard.max_users} and --max-percent ${guard.max_percent}`
      : style.colors.red(
          `Blast radius EXCEEDED: ${guard.exceeded}${run.dry_run ? '; --apply will refuse without --force' : '; went ahead with --force'}`,
        );
  const policyLine = {
    present: `RequireMFA: ${run.policy.arn}`,
    missing: `RequireMFA: ${run.policy.arn} does not exist yet${run.dry_run ? '; --apply creates it' : ''}`,
    created: `RequireMFA: ${run.policy.arn} (created by this run)`,
  }[run.policy.state];
  const box = table(style);
  box.push([
    [
      `${style.colors.bold(`${style.fancy ? '🔐 ' : ''}IAM MFA enforcement`)} · account ${run.account_id} · ${mode}`,
      `Run by ${run.caller_arn} (never acted on)`,
      policyLine,
      guardLine,
      ...(run.settings.break_glass.length > 0
        ? [`Break-glass: ${headerList(run.settings.break_glass)}`]
        : []),
      ...(run.settings.ignore_exemptions ? ['Exemptions: every one overridden (--ignore-exemptions)'] : []),
    ].join('\n'),
  ]);
  return box.toString();
}

function stateText(user: EnforcementUserRecord): string {
  if (user.state === null) return '–';
  const { state } = user;
  return [
    state.mfa_devices === 0
      ? 'no MFA'
      : `${state.mfa_devices} MFA device${state.mfa_devices === 1 ? '' : 's'}`,
    state.console_access ? 'console password' : 'no console password',
    `${state.active_access_keys} active key${state.active_access_keys === 1 ? '' : 's'}`,
    state.require_mfa_attached ? 'RequireMFA attached' : 'RequireMFA not attached',
  ].join('\n');
}

function actionText(record: EnforcementActionRecord, style: Style): string {
  const what = `${ACTION_TEXT[record.action]}${record.access_key_id ? ` ${record.access_key_id}` : ''}`;
  switch (record.result) {
    case 'planned':
      return what;
    case 'done':
      return style.colors.green(`${style.fancy ? '✅' : 'done:'} ${what}`);
    case 'failed':
      return style.colors.red(`${style.fancy ? '❌' : 'FAILED:'} ${what}: ${record.error ?? ''}`);
    case 'not-run':
      return style.colors.dim(`not run: ${what}`);
  }
}

function users(run: EnforcementRun, style: Style): string {
  const heading = title(`${run.dry_run ? 'Plan' : 'Results'} (${count(run.users.length, 'user')})`, style);
  if (run.users.length === 0) return `${heading}\nNo non-compliant users in scope: nothing to do.`;
  const rows = table(
    style,
    {
      head: [
        'User',
        run.dry_run ? 'Current state' : 'State before',
        run.dry_run ? 'Planned action' : 'What was done',
        'Justification',
      ],
      colWidths: [null, 26, 46, 44],
      wordWrap: true,
    },
    false,
  );
  for (const user of run.users) {
    const outcome = OUTCOME_TEXT[user.outcome];
    const actions = user.actions.map((record) => actionText(record, style));
    rows.push([
      user.username,
      stateText(user),
      actions.length > 0
        ? actions.join('\n')
        : user.outcome === 'failed'
          ? style.colors.red(outcome)
          : outcome,
      user.justification,
    ]);
  }
  return [heading, rows.toString()].join('\n');
}

function totals(run: EnforcementRun, style: Style): string {
  const { actions, by_outcome, not_targeted } = run.summary;
  const rows = table(style, {
    head: ['Action', run.dry_run ? 'Planned' : 'Done', ...(run.dry_run ? [] : ['Failed'])],
    colAligns: ['left', 'right', 'right'],
  });
  for (const kind of ['disable-access-key', 'attach-require-mfa', 'delete-login-profile'] as const) {
    const figures = actions[kind];
    const label =
      kind === 'delete-login-profile' && !run.settings.disable_console_access
        ? `${ACTION_TEXT[kind]} (only with --disable-console-access)`
        : ACTION_TEXT[kind];
    rows.push([
      label,
      String(run.dry_run ? figures.planned : figures.done),
      ...(run.dry_run ? [] : [figures.failed > 0 ? style.colors.red(String(figures.failed)) : '0']),
    ]);
  }
  const users = [
    `${by_outcome[run.dry_run ? 'planned' : 'enforced']} user${by_outcome[run.dry_run ? 'planned' : 'enforced'] === 1 ? '' : 's'} ${run.dry_run ? 'to act on' : 'acted on'}`,
    ...(by_outcome.failed > 0 ? [style.colors.red(`${by_outcome.failed} with a failed action`)] : []),
    ...(by_outcome['cannot-record'] > 0
      ? [style.colors.red(`${by_outcome['cannot-record']} not acted on: cannot record (tag quota)`)]
      : []),
    ...(by_outcome['already-enforced'] > 0 ? [`${by_outcome['already-enforced']} already enforced`] : []),
    ...(by_outcome['changed-since-report'] > 0
      ? [`${by_outcome['changed-since-report']} changed since the report`]
      : []),
    ...(by_outcome.deleted > 0 ? [`${by_outcome.deleted} deleted since the report`] : []),
    ...(by_outcome.protected > 0 ? [`${by_outcome.protected} protected`] : []),
  ];
  const untouched = `Not targeted: ${not_targeted.compliant} compliant, ${not_targeted.exempted} exempted, ${not_targeted['grace-period']} in the grace period.${run.users_unreadable.length > 0 ? style.colors.red(` NOT ASSESSED (access denied): ${run.users_unreadable.map((u) => u.username).join(', ')}.`) : ''}`;
  return [
    title(run.dry_run ? 'Planned actions' : 'Totals', style),
    rows.toString(),
    `${users.join(' · ')}.`,
    untouched,
  ].join('\n');
}

function impact(run: EnforcementRun, style: Style): string {
  const acting = run.users.filter(
    (user) => user.outcome === (run.dry_run ? 'planned' : 'enforced') || user.outcome === 'failed',
  );
  if (acting.length === 0) return '';
  const withAction = (kind: EnforcementActionRecord['action']) =>
    acting.filter((user) =>
      user.actions.some((a) => a.action === kind && a.result !== 'failed' && a.result !== 'not-run'),
    );
  const names = (list: readonly EnforcementUserRecord[]) => list.map((user) => user.username).join(', ');
  const keys = withAction('disable-access-key');
  const policy = withAction('attach-require-mfa');
  const console = withAction('delete-login-profile');
  const [lose, canOnly] = run.dry_run ? ['will lose', 'will be able to do'] : ['have lost', 'can now do'];
  const lines = [
    ...(keys.length > 0
      ? [
          `${names(keys)} ${lose} API access with their access keys. The keys are disabled, not deleted: \`awssec iam-mfa restore --user NAME --apply\` re-enables them.`,
        ]
      : []),
    ...(policy.length > 0
      ? [`${names(policy)} ${canOnly} nothing but set up MFA until they sign in with it (RequireMFA).`]
      : []),
    ...(console.length > 0
      ? [
          `${names(console)} ${lose} their console password; an administrator must set a new one (it cannot be restored).`,
        ]
      : []),
    ...(run.dry_run
      ? [
          run.guard.exceeded === null
            ? 'Nothing has changed. Run the same command with --apply to carry this out.'
            : `Nothing has changed, and --apply would be refused: ${run.guard.exceeded}. Review the plan, then raise --max-users or --max-percent, or add --force.`,
        ]
      : changedSomething(run)
        ? [
            'Each change is recorded on the user (tags awssec:mfa-enforced-at and others, or the record bucket).',
          ]
        : []),
  ];
  const bullet = style.fancy ? '•' : '-';
  return [title('Impact', style), ...lines.map((line) => `  ${bullet} ${line}`)].join('\n');
}

function changedSomething(run: EnforcementRun): boolean {
  return run.users.some((user) => user.actions.some((action) => action.result === 'done'));
}

/** What an applied run did, for its header: never "changes were made" when none was. */
function appliedOutcome(run: EnforcementRun): string {
  if (changedSomething(run)) return 'the changes below were made';
  const failed = run.users.some((user) => user.outcome === 'failed' || user.outcome === 'cannot-record');
  return failed ? 'nothing was changed (see the failures below)' : 'nothing needed changing';
}

/** `1 user`, `3 users`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

const ENFORCEMENT_COLUMNS = [
  'username',
  'arn',
  'outcome',
  'action',
  'access_key_id',
  'result',
  'error',
  'justification',
] as const;

/** One row per action (a user with none gets one row), RFC 4180 as the report's CSV; an organization's led by the account. */
export function enforcementToCsv(run: EnforcementRun | OrgEnforcementRun): string {
  if ('accounts' in run) {
    const rows = run.accounts.flatMap((account) =>
      account.run === null
        ? []
        : actionRows(account.run).map((row) => ({
            account_id: account.account_id,
            account_name: account.account_name,
            ...row,
          })),
    );
    return toCsv(rows, ['account_id', 'account_name', ...ENFORCEMENT_COLUMNS] as const);
  }
  return toCsv(actionRows(run), ENFORCEMENT_COLUMNS);
}

function actionRows(run: EnforcementRun) {
  return run.users.flatMap((user) =>
    (user.actions.length > 0 ? user.actions : [undefined]).map((action) => ({
      username: user.username,
      arn: user.arn,
      outcome: user.outcome,
      action: action?.action ?? '',
      access_key_id: action?.access_key_id ?? '',
      result: action?.result ?? '',
      error: action?.error ?? '',
      justification: user.justification,
    })),
  );
}

/**
 * `enforce --org`: the guard over the organization, one row per account, then
 * each account's own plan or result as `enforce` prints it for one account.
 */
export function renderOrgEnforcementTable(untrusted: OrgEnforcementRun, style: Style): string {
  const run = displaySafe(untrusted);
  const { guard } = run;
  const percent = guard.users_in_organization === 0 ? 0 : (guard.targets / guard.users_in_organization) * 100;
  const mode = run.dry_run
    ? style.colors.yellow('DRY RUN: nothing was changed')
    : style.colors.bold('APPLIED');
  const box = table(style);
  box.push([
    [
      `${style.colors.bold('IAM MFA enforcement')} · organization, from account ${run.caller_account_id} · ${mode}`,
      `Accounts: ${run.summary.accounts - run.summary.accounts_not_assessed} of ${run.summary.accounts} planned, through the role ${run.settings.role_name}`,
      guard.exceeded === null
        ? `Blast radius over the organization: ${guard.targets} of ${count(guard.users_in_organization, 'user')} (${percent.toFixed(1)}%), within --max-users ${guard.max_users} and --max-percent ${guard.max_percent}`
        : style.colors.red(
            `Blast radius EXCEEDED over the organization: ${guard.exceeded}${run.dry_run ? '; --apply will refuse without --force' : '; went ahead with --force'}`,
          ),
    ].join('\n'),
  ]);
  const accounts = table(style, {
    head: ['Account', 'Name', 'Targets', run.dry_run ? 'Planned' : 'Enforced', 'Failed', 'Limits'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
  });
  for (const account of run.accounts) {
    const r = account.run;
    accounts.push(
      r === null
        ? [
            account.account_id,
            account.account_name,
            { colSpan: 4, content: style.colors.red(`NOT PLANNED: ${account.reason ?? ''}`) },
          ]
        : [
            account.account_id,
            account.account_name,
            String(r.guard.targets),
            String(r.summary.by_outcome[run.dry_run ? 'planned' : 'enforced']),
            String(r.summary.by_outcome.failed),
            r.guard.exceeded === null ? style.colors.green('within') : style.colors.red('EXCEEDED'),
          ],
    );
  }
  const perAccount = run.accounts.flatMap((account) =>
    account.run === null || account.run.users.length === 0
      ? []
      : [
          `${title(`Account ${account.account_id} (${account.account_name})`, style)}\n${renderEnforcementTable(account.run, style).trimEnd()}`,
        ],
  );
  return [box.toString(), `${title('Accounts', style)}\n${accounts.toString()}`, ...perAccount]
    .join('\n\n')
    .concat('\n');
}

export function renderRestoreTable(untrusted: RestoreRun, style: Style): string {
  const run = displaySafe(untrusted);
  const mode = run.dry_run
    ? style.colors.yellow('DRY RUN: nothing was changed')
    : style.colors.bold('APPLIED');
  const lines = [`${style.colors.bold(`Restore ${run.username}`)} · account ${run.account_id} · ${mode}`];
  if (run.outcome === 'nothing-to-restore') {
    lines.push(
      `${run.username} carries no record of an enforcement (no awssec:mfa-* tags): nothing to restore.`,
    );
  } else {
    if (run.keys.length > 0) {
      const keys = table(style, { head: ['Access key', 'Disabled', 'Now', 'Restore'] });
      for (const key of run.keys) {
        keys.push([
          key.access_key_id,
          key.disabled_at?.slice(0, 16).replace('T', ' ') ?? 'unknown',
          key.state,
          key.verdict === 're-enable' ? style.colors.green('re-enable') : `skip: ${key.why}`,
        ]);
      }
      lines.push(keys.toString());
    }
    lines.push(stepsTable(run.actions, style));
  }
  const bullet = style.fancy ? '•' : '-';
  if (run.cannot_restore.length > 0) {
    lines.push('Cannot restore:', ...run.cannot_restore.map((text) => `  ${bullet} ${text}`));
  }
  lines.push(...run.notes.map((text) => `Note: ${text}`));
  if (run.dry_run && run.outcome === 'planned')
    lines.push('Run the same command with --apply to carry this out.');
  return `${lines.join('\n')}\n`;
}

/** The steps of a restore or a repair, each with its result (and the error of a failed or skipped one). */
export function stepsTable(
  steps: readonly {
    readonly action: string;
    readonly detail: string;
    readonly result: 'planned' | 'done' | 'failed' | 'not-run';
    readonly error: string | null;
  }[],
  style: Style,
): string {
  const rows = table(style, { head: ['Action', 'Detail', 'Result'] });
  for (const step of steps) {
    const result =
      step.result === 'failed'
        ? style.colors.red(`FAILED: ${step.error ?? ''}`)
        : step.result === 'not-run'
          ? `not run: ${step.error ?? ''}`
          : step.result;
    rows.push([step.action, step.detail, result]);
  }
  return rows.toString();
}

export function restoreToCsv(run: RestoreRun): string {
  return toCsv(
    run.actions.map((action) => ({ username: run.username, ...action, error: action.error ?? '' })),
    ['username', 'action', 'detail', 'result', 'error'],
  );
}
