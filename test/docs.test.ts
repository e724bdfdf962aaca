/**
 * The README and the manual in docs/ stay true: the README's excerpts are
 * what the commands print (run here against moto), the policies shown are
 * what `awssec iam-mfa policy` prints, every option of every command is
 * documented, every link leads somewhere, and nothing points at material a
 * reader does not have.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.ts';
import { operatorPolicy } from '../lambdas/core/operator-policies.ts';
import { policyJson, requireMfaPolicy } from '../lambdas/core/policies.ts';
import { testClientSettings, testClients } from './support/aws.ts';
import { captureIo } from './support/cli.ts';
import { useMoto } from './support/moto-harness.ts';
import { seedSampleAccount } from './support/sample-account.ts';

const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'docs/cli.md',
  'docs/deploy.md',
  'docs/performance.md',
  'docs/decisions.md',
];
const read = (path: string) => readFile(new URL(`../${path}`, import.meta.url), 'utf8');

const emulator = useMoto(
  async (moto) => {
    await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  },
  { reseedOnlyAfterChanges: true },
);

async function awssec(args: readonly string[]): Promise<string> {
  const captured = captureIo();
  await runCli(args, { io: captured.io, aws: testClientSettings(emulator.proxy.endpoint) });
  return captured.stdout() + captured.stderr();
}

/** `--exclude-users 'svc-*'` → ['--exclude-users', 'svc-*']: the README's commands are plain shell words. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');
}

/** What changes from run to run: times, dates, access key ids. */
function normalise(line: string): string {
  return line
    .replace(/\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?Z?)?)?/g, 'TIME')
    .replace(/AKIA[A-Z0-9]{16}/g, 'AKIA-KEY')
    .trimEnd();
}

/** The README's examples: a code block of `$ awssec …` lines, each followed by what it prints (`…` for left out). */
function examples(text: string): { command: string; lines: string[] }[] {
  const blocks = [...text.matchAll(/```\n(\$ awssec [\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) =>
    block.split(/^(?=\$ awssec )/m).map((part) => {
      const [first = '', ...rest] = part.split('\n');
      return { command: first.slice(2), lines: rest.filter((line) => line !== '' && line !== '…') };
    }),
  );
}

describe('the README', () => {
  it('is a front page: under 15 KB', async () => {
    expect(Buffer.byteLength(await read('README.md'))).toBeLessThan(15_000);
  });

  it('shows what the commands print (run against the sample account)', async () => {
    const shown = examples(await read('README.md'));
    expect(shown.map((example) => words(example.command).slice(1, 3).join(' '))).toEqual([
      'iam-mfa report',
      'iam-mfa enforce',
      'iam-mfa restore',
      'iam-mfa policy',
    ]);
    for (const example of shown) {
      // The README runs restore and the repair check after enforce --apply, as it says.
      if (example.command.includes('restore'))
        await awssec(['iam-mfa', 'enforce', '--exclude-users', 'svc-*', '--apply']);
      const printed = (await awssec(words(example.command).slice(1))).split('\n').map(normalise);
      let from = 0;
      for (const line of example.lines.map(normalise)) {
        const at = printed.indexOf(line, from);
        expect(at, `"${line}" in the output of ${example.command}`).toBeGreaterThanOrEqual(0);
        from = at + 1;
      }
    }
  });
});

describe('docs/cli.md', () => {
  it('prints the RequireMFA policy as the policy command does', async () => {
    expect(await read('docs/cli.md')).toContain(`$ awssec iam-mfa policy\n${policyJson(requireMfaPolicy)}\n`);
  });

  it("prints enforce's operator policy as the policy command does", async () => {
    expect(await read('docs/cli.md')).toContain(
      `$ awssec iam-mfa policy --operator enforce\n${policyJson(operatorPolicy('enforce'))}\n`,
    );
  });

  it.each(['report', 'enforce', 'restore', 'policy'])('documents every option of %s', async (command) => {
    const help = await awssec(['iam-mfa', command, '--help']);
    const options = [...help.matchAll(/(?:^|\s)(--[a-z][a-z-]+)/g)].map((match) => match[1] ?? '');
    expect(options.length).toBeGreaterThan(0);
    const manual = await read('docs/cli.md');
    const missing = [...new Set(options)].filter(
      (option) => option !== '--help' && !manual.includes(`\`${option}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('every document', () => {
  it.each(DOCS)('%s points at nothing a reader cannot follow', async (path) => {
    const text = await read(path);
    expect(text).not.toMatch(/DESIGN\.md|AWS-FACTS|product sheet|shared\/|\bissue #?\d|\(#\d+\)/i);
  });

  it.each(DOCS)('%s links only to files and headings that exist', async (path) => {
    const text = await read(path);
    const base = new URL(`../${path}`, import.meta.url);
    for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target)) continue;
      const [file = '', anchor] = target.split('#');
      const linked = file === '' ? text : await readFile(new URL(file, base), 'utf8');
      if (anchor !== undefined) expect(headingSlugs(linked), `${target} in ${path}`).toContain(anchor);
    }
  });
});

/** GitHub's anchors: each heading in lower case, punctuation dropped, spaces as hyphens. */
function headingSlugs(markdown: string): string[] {
  return [...markdown.matchAll(/^#+ (.+)$/gm)].map((match) =>
    (match[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  );
}
