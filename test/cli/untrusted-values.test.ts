/**
 * Values from AWS shown by the CLI: a tag value (or any other string AWS
 * returns) may hold escape sequences and line breaks. The table shows them
 * without control characters; the CSV quotes every line break, so a reader
 * sees the rows that were written and formula escaping holds.
 */
import { type IAMClient, TagUserCommand } from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  enforcementToCsv,
  renderEnforcementTable,
  renderRestoreTable,
  restoreToCsv,
} from '../../cli/render-enforcement.ts';
import { PLAIN_STYLE } from '../../cli/terminal.ts';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { RestoreRun } from '../../lambdas/use-cases/restore-user.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const ESC = '\u001b';
/** Clears the screen, sets the terminal's title, then forges a line of its own. */
const HOSTILE = `vendor without MFA${ESC}[2J${ESC}]0;owned\u0007\r\nFAKE-LINE \u202eevil\u009b31m`;
// Every C0 and C1 control but the line feed the output is made of.
// biome-ignore lint/suspicious/noControlCharactersInRegex: what the test looks for
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

let iam: IAMClient;
const emulator = useMoto(
  async (moto) => {
    iam = testClients(moto.endpoint).iam;
    await seedSampleAccount(iam, moto);
  },
  { reseedOnlyAfterChanges: true },
);

const awssec = (args: string[], tty = false) =>
  runAwssec(['iam-mfa', ...args], testClientSettings(emulator.proxy.endpoint), { tty });

/** Reads CSV as spreadsheets do: any line break outside quotes ends a row. */
const readLikeASpreadsheet = (csv: string): Record<string, string>[] =>
  parse(csv, { columns: true, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true });

const exemptWith = (value: string) =>
  iam.send(
    new TagUserCommand({ UserName: 'svc-backup', Tags: [{ Key: 'awssec:mfa-exempt', Value: value }] }),
  );

describe('values from AWS in the table', () => {
  it('shows a hostile tag value without its escape sequences or line breaks', async () => {
    await exemptWith(HOSTILE);
    const { code, stdout } = await awssec(['report']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(CONTROL);
    expect(stdout.split('\n').filter((line) => line.startsWith('FAKE-LINE'))).toEqual([]);
    expect(stdout).toMatch(
      /- svc-backup \(exempted\): exempted by tag awssec:mfa-exempt: vendor without MFA +FAKE-LINE evil;/,
    );
  });

  it('keeps its own colours on a terminal, and drops the injected sequences', async () => {
    await exemptWith(HOSTILE);
    const { stdout } = await awssec(['report'], true);
    expect(stdout).toContain(`${ESC}[31m`); // our red
    expect(stdout).not.toContain(`${ESC}[2J`);
    expect(stdout).not.toContain(`${ESC}]0;`);
    expect(stdout).not.toContain('\u009b');
  });
});

describe('values from AWS in the CSV', () => {
  it('quotes a lone line feed: a reader gets the same rows, and a formula on the next line stays in its cell', async () => {
    await exemptWith('vendor\n=2+5');
    const { stdout } = await awssec(['report', '-o', 'csv']);
    const rows = readLikeASpreadsheet(stdout);
    expect(rows.map((row) => row.username)).toEqual([
      'alice.brown',
      'bob.wilson',
      'old.account',
      'new.user',
      'svc-backup',
      'jane.smith',
      'john.doe',
    ]);
    expect(rows.find((row) => row.username === 'svc-backup')?.reasons).toBe(
      'exempted by tag awssec:mfa-exempt: vendor\n=2+5; 1 active access key without MFA',
    );
    const cells = rows.flatMap((row) => Object.values(row));
    expect(cells.filter((cell) => /^[=+@\t\r-]/.test(cell))).toEqual([]);
  });
});

describe('enforce and restore output', () => {
  it('shows the run without control characters, and writes a CSV that reads back to the same rows', async () => {
    const { stdout } = await awssec(['enforce', '-o', 'json', '--exclude-users', 'svc-*']);
    const planned: EnforcementRun = JSON.parse(stdout);
    const run: EnforcementRun = {
      ...planned,
      caller_arn: `${planned.caller_arn}${ESC}[2J`,
      users: planned.users.map((user, index) =>
        index === 0 ? { ...user, justification: `${user.justification}\n=2+5` } : user,
      ),
    };
    expect(renderEnforcementTable(run, PLAIN_STYLE)).not.toMatch(CONTROL);
    const rows = readLikeASpreadsheet(enforcementToCsv(run));
    expect(rows).toHaveLength(5);
    expect(rows[0]?.justification).toMatch(/\n=2\+5$/);
    expect(rows.flatMap((row) => Object.values(row)).filter((cell) => cell.startsWith('='))).toEqual([]);
  });

  it('restore: the same for its table and CSV', async () => {
    await awssec(['enforce', '--apply', '--exclude-users', 'svc-*']);
    const { stdout } = await awssec(['restore', '--user', 'old.account', '-o', 'json']);
    const planned: RestoreRun = JSON.parse(stdout);
    const run: RestoreRun = {
      ...planned,
      actions: planned.actions.map((action) => ({ ...action, detail: `${action.detail}\n=1+1${ESC}[2J` })),
      notes: [...planned.notes, `note${ESC}]0;owned\u0007`],
    };
    expect(renderRestoreTable(run, PLAIN_STYLE)).not.toMatch(CONTROL);
    const rows = readLikeASpreadsheet(restoreToCsv(run));
    expect(rows).toHaveLength(planned.actions.length);
  });
});
