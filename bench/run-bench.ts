/**
 * `npm run bench`: the figures behind the README's Performance section.
 *
 * Seeds moto with 1,000, then 2,000, then 5,000 users in a realistic mix,
 * puts the project's proxy in front of it with 20 ms per call and a
 * per-operation throttle, and runs each scenario in a process of its own:
 * bulk and live report on 1,000 users, bulk report on 5,000, and enforce
 * --apply on the 1,000 non-compliant users among the 5,000. At 2,000 users,
 * with the latency alone, it sets the per-user loop a user would write first
 * beside `awssec iam-mfa report`. It times the CLI's start, bundled and as
 * tsc's modules. On the 1,000 users it also
 * runs the built CLI's report with a 100,000-line --exclude-file, once per
 * output format, straight against moto (the figure is the tool's own work
 * with the patterns, not the network's), each beside the same run without
 * the file. In a moto of its own it seeds an organization of 50 accounts of
 * 200 users and runs report --org on it, 8 accounts at once, beside the report
 * of one such account. Then bundles each Lambda and times
 * loading it. Prints a table with pass/fail against the targets and writes
 * bench/results.json. A benchmark, not a test: nothing here asserts.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenerateCredentialReportCommand } from '@aws-sdk/client-iam';
import Table from 'cli-table3';
import { COMPACT } from '../cli/boxes.ts';
import { FUNCTIONS } from '../lambdas/function-contract.ts';
import { environmentValues } from '../lib/awssec-iam-mfa-stack.ts';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { buildLambda, LAMBDA_BUNDLE_FILE } from '../lib/lambda-bundle.ts';
import { testClients } from '../test/support/aws.ts';
import { startAwsProxy } from '../test/support/aws-proxy.ts';
import { faultRule } from '../test/support/fault-rule.ts';
import { startMoto } from '../test/support/moto.ts';
import { createOrganization, memberIam } from '../test/support/sample-organization.ts';
import { type SeedUser, seedUsers } from '../test/support/seed.ts';
import type { ScenarioInput, ScenarioOutput } from './scenario.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The SDK's notice about its 2027 releases needing Node 22 is not part of the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const LATENCY_MS = 20;
/** Requests a second per IAM operation before the proxy answers Throttling. IAM publishes no figure. */
const RATE_PER_OPERATION = 25;

const TARGETS = {
  bulkCallsBesidesListMfaDevices: 15,
  bulkSpeedupOverLive: 20,
  bulkSpeedupOverNaiveLoop: 20,
  helpMs: 150,
  peakRssMb: 200,
  enforceShareOfFloor: 0.8,
  bundleKb: 250,
  excludePatternsSeconds: 5,
  orgShareOfSequential: 0.2,
};

/** The organization scenario: this many accounts of this many users, read this many at once. */
const ORG = { accounts: 50, usersPerAccount: 200, concurrency: 8 } as const;

/** Lines in the --exclude-file of the exclusion scenario. */
const EXCLUDE_PATTERNS = 100_000;

/**
 * The mix, per 50 users: 38 with a virtual device (76%), 1 hardware token and
 * 1 FIDO key (2% each), 5 with a console password and 5 with an access key
 * and no MFA (20% non-compliant: 1,000 of 5,000).
 */
function mix(from: number, count: number): SeedUser[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const slot = i % 50;
    const name = `user-${String(i).padStart(5, '0')}`;
    if (slot < 38) {
      return { name, console: i % 2 === 0, accessKeys: i % 3 === 0 ? ['active'] : [], mfa: ['virtual'] };
    }
    if (slot === 38) return { name, console: true, mfa: ['hardware-totp'] };
    if (slot === 39) return { name, console: true, accessKeys: ['active'], mfa: ['security-key'] };
    if (slot < 45) return { name, console: true };
    return { name, accessKeys: ['active'] };
  });
}

interface ScenarioResult extends ScenarioOutput {
  readonly name: string;
  readonly throttled: number;
}

async function runScenario(
  name: string,
  input: Omit<ScenarioInput, 'endpoint'>,
  proxy: Awaited<ReturnType<typeof startAwsProxy>>,
): Promise<ScenarioResult> {
  const faults = faultRule({ ratePerOperation: RATE_PER_OPERATION });
  proxy.setRule(faults.rule);
  proxy.setDelay(LATENCY_MS);
  process.stderr.write(`  ${name}…`);
  const figures = await scenarioProcess({ ...input, endpoint: proxy.endpoint });
  proxy.setRule(undefined);
  proxy.setDelay(0);
  const throttled = [...faults.stats.throttled.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(` ${(figures.wallMs / 1000).toFixed(1)} s\n`);
  return { name, ...figures, throttled };
}

/** One scenario in a process of its own (bench/scenario.ts, built): its figures, from its last line. */
async function scenarioProcess(input: ScenarioInput): Promise<ScenarioOutput> {
  const output = await node(['dist/bench/scenario.js', JSON.stringify(input)]);
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as ScenarioOutput;
}

function node(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${args.join(' ')}: ${stderr}`)),
    );
  });
}

const total = (calls: Record<string, number>, except: string[] = []) =>
  Object.entries(calls)
    .filter(([operation]) => !except.includes(operation))
    .reduce((sum, [, n]) => sum + n, 0);

/** The time the throttle allows at best: the busiest operation's calls at the allowed rate. */
function floorSeconds(calls: Record<string, number>): { seconds: number; operation: string } {
  const [operation, count] = Object.entries(calls).sort(([, a], [, b]) => b - a)[0] ?? ['none', 0];
  return { seconds: count / RATE_PER_OPERATION, operation };
}

/** What the stack sets for every variable a handler reads at cold start, with the default config. */
const LAMBDA_ENVIRONMENT: Record<string, string> = {
  ...environmentValues(DEFAULT_CONFIG, {
    reportBucket: 'bench-reports',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:security',
    alertTable: 'bench-alerts',
    accountId: '123456789012',
  }),
  AWS_REGION: 'us-east-1',
};

/**
 * 100,000 lines as a large organisation's list of departed and service
 * users might be: exact names of people who left, prefix patterns per team,
 * suffix patterns, and a few that name users of the bench account (so the
 * matching does real work and the report shows exempted users).
 */
function excludeFileText(): string {
  const lines = ['# departed staff, service accounts and teams'];
  for (let i = 0; lines.length <= EXCLUDE_PATTERNS; i += 1) {
    const kind = i % 100;
    if (kind < 90) lines.push(`former-${String(i).padStart(6, '0')}`);
    else if (kind < 98) lines.push(`team-${String(i).padStart(6, '0')}-*`);
    else lines.push(`*-contractor-${String(i).padStart(6, '0')}`);
  }
  lines.splice(50_000, 1, 'user-0004?');
  lines.splice(75_000, 1, 'USER-00999');
  return `${lines.join('\n')}\n`;
}

interface ExclusionResult {
  readonly output: string;
  readonly seconds: number;
  readonly baselineSeconds: number;
  /** Users the patterns exempted (read from the JSON output). */
  readonly exempted?: number;
}

/** The command as installed: the bundle package.json's `bin` names. */
const CLI = 'dist/bundle/awssec.js';
/** The same command as tsc builds it, one module a file, importing its dependencies from node_modules. */
const CLI_MODULES = 'dist/bin/awssec.js';

/** The built CLI, as a user runs it, against moto: wall time from start to exit. */
async function timedCli(args: string[], endpoint: string): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const stdout = await node([CLI, 'iam-mfa', 'report', ...args], {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  });
  return { seconds: (performance.now() - started) / 1000, stdout };
}

async function exclusionScenarios(endpoint: string): Promise<ExclusionResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'awssec-bench-'));
  try {
    const file = join(dir, 'exclude.txt');
    await writeFile(file, excludeFileText());
    const results: ExclusionResult[] = [];
    for (const output of ['table', 'json', 'csv']) {
      process.stderr.write(`  report -o ${output}, ${EXCLUDE_PATTERNS.toLocaleString('en')} patterns…`);
      const baseline = await timedCli(['-o', output], endpoint);
      const run = await timedCli(['-o', output, '--exclude-file', file], endpoint);
      const exempted =
        output === 'json'
          ? (JSON.parse(run.stdout) as { summary: { exempted: number } }).summary.exempted
          : -1;
      results.push({
        output,
        seconds: Math.round(run.seconds * 100) / 100,
        baselineSeconds: Math.round(baseline.seconds * 100) / 100,
        exempted,
      });
      process.stderr.write(` ${run.seconds.toFixed(1)} s (${baseline.seconds.toFixed(1)} s without)\n`);
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface NaiveComparison {
  readonly users: number;
  /** The per-user loop, a process of its own, start to exit. */
  readonly naiveSeconds: number;
  readonly naiveCalls: number;
  /** `awssec iam-mfa report -o json`, start to exit. */
  readonly bulkSeconds: number;
  /** The bulk report's own run, without Node's start (the scenario's figure). */
  readonly bulkRunSeconds: number;
  readonly naiveRunSeconds: number;
  readonly bulkCalls: number;
}

/**
 * The loop a user would write first against the tool's bulk report, both
 * through the proxy's latency alone (no throttle: the loop's own pace, not
 * the throttle's, is the baseline), each in a process of its own.
 */
async function naiveComparison(
  users: number,
  proxy: Awaited<ReturnType<typeof startAwsProxy>>,
): Promise<NaiveComparison> {
  proxy.setDelay(LATENCY_MS);
  try {
    process.stderr.write(`  per-user loop, ${users.toLocaleString('en')} users…`);
    let started = performance.now();
    const naive = await scenarioProcess({ kind: 'naive', source: 'live', endpoint: proxy.endpoint });
    const naiveSeconds = (performance.now() - started) / 1000;
    process.stderr.write(
      ` ${naiveSeconds.toFixed(1)} s\n  awssec iam-mfa report, ${users.toLocaleString('en')} users…`,
    );
    const before = new Map(proxy.seen);
    started = performance.now();
    const stdout = await node([CLI, 'iam-mfa', 'report', '-o', 'json', '--no-progress'], {
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    });
    const bulkSeconds = (performance.now() - started) / 1000;
    const reported = (JSON.parse(stdout) as { summary: { total: number } }).summary.total;
    const bulkCalls = [...proxy.seen].reduce((sum, [action, n]) => sum + n - (before.get(action) ?? 0), 0);
    process.stderr.write(` ${bulkSeconds.toFixed(1)} s\n`);
    const bulkRun = await scenarioProcess({ kind: 'report', source: 'bulk', endpoint: proxy.endpoint });
    if (naive.users !== users || reported !== users || bulkRun.users !== users) {
      throw new Error(`expected ${users} users, the loop saw ${naive.users} and the report ${reported}`);
    }
    return {
      users,
      naiveSeconds: round2(naiveSeconds),
      naiveCalls: total(naive.callsByOperation),
      bulkSeconds: round2(bulkSeconds),
      bulkRunSeconds: round2(bulkRun.wallMs / 1000),
      naiveRunSeconds: round2(naive.wallMs / 1000),
      bulkCalls,
    };
  } finally {
    proxy.setDelay(0);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A process's processor time so far, in seconds (Linux: utime + stime from /proc/PID/stat, at 100 ticks a second). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface OrganizationFigures {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly concurrency: number;
  readonly oneAccountSeconds: number;
  readonly organizationSeconds: number;
  /** The organization's time against one account's times the number of accounts. */
  readonly shareOfSequential: number;
  /** IAM calls per account, by operation (the organization's calls over its accounts). */
  readonly iamCallsPerAccount: Record<string, number>;
  readonly peakRssMb: number;
  /** moto's own processor time for the one account and for the organization: the emulator's share of the machine. */
  readonly motoCpuSeconds: { readonly oneAccount: number; readonly organization: number };
  /** The tool's own processor time for the organization's run. */
  readonly toolCpuSeconds: number;
}

/**
 * report --org on an organization of ORG.accounts accounts of
 * ORG.usersPerAccount users each, in a moto of its own, through the proxy's
 * latency alone: the proxy's throttle is one for every caller, where AWS
 * throttles each account on its own.
 */
async function organizationScenario(): Promise<OrganizationFigures> {
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.endpoint);
  try {
    const { iam } = testClients(moto.endpoint);
    await seedUsers(iam, moto, mix(0, ORG.usersPerAccount), 32);
    await iam.send(new GenerateCredentialReportCommand({}));
    const members = await createOrganization(moto.endpoint, ORG.accounts - 1);
    for (const [index, accountId] of members.entries()) {
      process.stderr.write(`\r  seeding account ${index + 2} of ${ORG.accounts}…`);
      const member = await memberIam(moto.endpoint, accountId);
      await seedUsers(member, moto, mix(0, ORG.usersPerAccount), 32);
      await member.send(new GenerateCredentialReportCommand({}));
    }
    process.stderr.write('\n');
    proxy.setDelay(LATENCY_MS);
    process.stderr.write(`  report, one account of ${ORG.usersPerAccount} users…`);
    let cpuBefore = await cpuSeconds(moto.pid);
    const one = await scenarioProcess({ kind: 'report', source: 'bulk', endpoint: proxy.endpoint });
    const oneAccountCpu = (await cpuSeconds(moto.pid)) - cpuBefore;
    process.stderr.write(
      ` ${(one.wallMs / 1000).toFixed(1)} s\n  report --org, ${ORG.accounts} accounts, ${ORG.concurrency} at once…`,
    );
    proxy.seen.clear();
    cpuBefore = await cpuSeconds(moto.pid);
    const org = await scenarioProcess({
      kind: 'org',
      source: 'bulk',
      endpoint: proxy.endpoint,
      concurrency: ORG.concurrency,
    });
    const organizationCpu = (await cpuSeconds(moto.pid)) - cpuBefore;
    process.stderr.write(` ${(org.wallMs / 1000).toFixed(1)} s\n`);
    if (org.accounts !== ORG.accounts || org.users !== ORG.accounts * ORG.usersPerAccount) {
      throw new Error(
        `expected ${ORG.accounts} accounts, the report assessed ${org.accounts} with ${org.users} users`,
      );
    }
    const notIam = new Set(['AssumeRole', 'GetCallerIdentity', 'ListAccounts']);
    const iamCallsPerAccount = Object.fromEntries(
      [...proxy.seen]
        .filter(([action]) => !notIam.has(action))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([action, n]) => [action, round2(n / ORG.accounts)]),
    );
    return {
      ...ORG,
      oneAccountSeconds: round2(one.wallMs / 1000),
      organizationSeconds: round2(org.wallMs / 1000),
      shareOfSequential: round2(org.wallMs / (one.wallMs * ORG.accounts)),
      iamCallsPerAccount,
      peakRssMb: org.peakRssMb,
      motoCpuSeconds: { oneAccount: round2(oneAccountCpu), organization: round2(organizationCpu) },
      toolCpuSeconds: round2(org.cpuMs / 1000),
    };
  } finally {
    await proxy.stop();
    await moto.stop();
  }
}

interface StartTime {
  readonly command: string;
  readonly bundleMs: number;
  readonly modulesMs: number;
  /** `node -e 0`: what any command pays before its first line. */
  readonly nodeMs: number;
  /**
   * The bundle again, with NODE_EXTRA_CA_CERTS as the environment has it
   * (undefined when it has none): Node reads that file at every start.
   */
  readonly bundleWithExtraCaCertsMs?: number | undefined;
}

/** The median of runs of `node FILE ARGS`, start to exit, for the bundle and for tsc's modules. */
async function startTimes(): Promise<StartTime[]> {
  // A machine's own NODE_EXTRA_CA_CERTS makes every Node start read a CA bundle (here about
  // 50 ms): the figures are taken without it, and the bundle's --help also with it.
  const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...plain } = process.env;
  const median = async (args: string[], env: NodeJS.ProcessEnv = plain) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const started = performance.now();
      await new Promise((resolve, reject) =>
        spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'ignore' })
          .on('close', resolve)
          .on('error', reject),
      );
      times.push(performance.now() - started);
    }
    return Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0);
  };
  const nodeMs = await median(['-e', '0']);
  const results: StartTime[] = [];
  for (const args of [['--help'], ['--version'], ['iam-mfa', 'report', '--help']]) {
    results.push({
      command: `awssec ${args.join(' ')}`,
      bundleMs: await median([CLI, ...args]),
      modulesMs: await median([CLI_MODULES, ...args]),
      nodeMs,
      bundleWithExtraCaCertsMs:
        extraCaCerts === undefined || args[0] !== '--help'
          ? undefined
          : await median([CLI, ...args], process.env),
    });
  }
  return results;
}

async function bundleSizes(): Promise<
  { name: string; kb: number; loadMs: number; sdkImports: readonly string[] }[]
> {
  // Inside the project, so that loading a bundle finds the SDK in node_modules as Lambda finds its own.
  await mkdir(join(ROOT, 'bench/.bundles'), { recursive: true });
  const results = [];
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    // The stack's own build (lib/lambda-bundle.ts): what is deployed is what is measured.
    const bundle = buildLambda(join(ROOT, fn.entry));
    const dir = await mkdtemp(join(ROOT, 'bench/.bundles/run-'));
    try {
      const outfile = join(dir, LAMBDA_BUNDLE_FILE);
      await rename(join(bundle.directory, LAMBDA_BUNDLE_FILE), outfile);
      // Loading runs the cold start, which reads the environment: give it what the stack sets.
      const loadMs = Number(
        await node(
          [
            '--input-type=module',
            '-e',
            `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(Math.round(performance.now() - t));`,
          ],
          LAMBDA_ENVIRONMENT,
        ),
      );
      results.push({
        name,
        kb: Math.round(bundle.bytes / 102.4) / 10,
        loadMs,
        sdkImports: bundle.sdkImports,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(bundle.directory, { recursive: true, force: true });
    }
  }
  return results;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  // First, while nothing else runs: a start is a matter of milliseconds.
  process.stderr.write('Timing the CLI’s start…\n');
  const starts = await startTimes();
  process.stderr.write('Starting moto and seeding 1,000 users…\n');
  const moto = await startMoto();
  const proxy = await startAwsProxy(moto.endpoint);
  try {
    const { iam } = testClients(moto.endpoint);
    await seedUsers(iam, moto, mix(0, 1000), 32);
    // A credential report exists, as in most accounts (AWS keeps one for four hours).
    await iam.send(new GenerateCredentialReportCommand({}));
    process.stderr.write(
      `Scenarios through the proxy (${LATENCY_MS} ms a call, ${RATE_PER_OPERATION} calls/s per operation):\n`,
    );
    const bulk1000 = await runScenario('report bulk, 1,000', { kind: 'report', source: 'bulk' }, proxy);
    const live1000 = await runScenario('report live, 1,000', { kind: 'report', source: 'live' }, proxy);
    process.stderr.write('The CLI with a long --exclude-file, 1,000 users, straight against moto:\n');
    const exclusions = await exclusionScenarios(moto.endpoint);
    process.stderr.write('Seeding 1,000 more users…\n');
    await seedUsers(iam, moto, mix(1000, 1000), 32);
    await iam.send(new GenerateCredentialReportCommand({}));
    process.stderr.write(
      `The per-user loop and the bulk report, through the proxy (${LATENCY_MS} ms a call, no throttle):\n`,
    );
    const naive = await naiveComparison(2000, proxy);
    process.stderr.write('Seeding 3,000 more users…\n');
    await seedUsers(iam, moto, mix(2000, 3000), 32);
    const bulk5000 = await runScenario('report bulk, 5,000', { kind: 'report', source: 'bulk' }, proxy);
    const enforce = await runScenario('enforce, 1,000 of 5,000', { kind: 'enforce', source: 'bulk' }, proxy);
    process.stderr.write(
      `An organization of ${ORG.accounts} accounts × ${ORG.usersPerAccount} users, in a moto of its own, through the proxy (${LATENCY_MS} ms a call, no throttle):\n`,
    );
    const organization = await organizationScenario();
    process.stderr.write('Bundling the Lambdas…\n');
    const bundles = await bundleSizes();

    const scenarios = [bulk1000, live1000, bulk5000, enforce];
    const operations = [...new Set(scenarios.flatMap((s) => Object.keys(s.callsByOperation)))].sort();
    const calls = new Table({
      head: ['IAM calls', ...scenarios.map((s) => s.name)],
      style: { head: [], border: [] },
      chars: COMPACT,
    });
    for (const operation of operations) {
      calls.push([operation, ...scenarios.map((s) => String(s.callsByOperation[operation] ?? ''))]);
    }
    calls.push(['total', ...scenarios.map((s) => String(total(s.callsByOperation)))]);
    calls.push(['throttled retries', ...scenarios.map((s) => String(s.throttled))]);
    calls.push(['wall time', ...scenarios.map((s) => `${(s.wallMs / 1000).toFixed(1)} s`)]);
    calls.push(['peak RSS', ...scenarios.map((s) => `${s.peakRssMb} MB`)]);

    const floor = floorSeconds(enforce.callsByOperation);
    const enforceShare = floor.seconds / (enforce.wallMs / 1000);
    const bulkCalls = total(bulk5000.callsByOperation, ['ListMFADevices']);
    const speedup = live1000.wallMs / bulk1000.wallMs;
    const naiveSpeedup = naive.naiveSeconds / naive.bulkSeconds;
    const help = starts[0] ?? {
      command: 'awssec --help',
      bundleMs: Number.NaN,
      modulesMs: Number.NaN,
      nodeMs: Number.NaN,
    };
    const checks = [
      [
        `awssec iam-mfa report ≥ ${TARGETS.bulkSpeedupOverNaiveLoop}× faster than the per-user loop (${naive.users.toLocaleString('en')} users, start to exit)`,
        `${naiveSpeedup.toFixed(1)}×: ${naive.bulkSeconds.toFixed(2)} s (${naive.bulkCalls} calls) against ${naive.naiveSeconds.toFixed(1)} s (${naive.naiveCalls} calls); without Node's start ${naive.bulkRunSeconds.toFixed(2)} s against ${naive.naiveRunSeconds.toFixed(1)} s: ${(naive.naiveRunSeconds / naive.bulkRunSeconds).toFixed(1)}×`,
        naiveSpeedup >= TARGETS.bulkSpeedupOverNaiveLoop,
      ],
      [
        `awssec --help < ${TARGETS.helpMs} ms (median of 15, no NODE_EXTRA_CA_CERTS)`,
        `${help.bundleMs} ms bundled; ${help.modulesMs} ms as tsc's modules; node -e 0: ${help.nodeMs} ms${help.bundleWithExtraCaCertsMs === undefined ? '' : `; ${help.bundleWithExtraCaCertsMs} ms with this machine's NODE_EXTRA_CA_CERTS`}; ${starts
          .slice(1)
          .map((s) => `${s.command}: ${s.bundleMs} / ${s.modulesMs} ms`)
          .join('; ')}`,
        help.bundleMs < TARGETS.helpMs,
      ],
      [
        `bulk report, 5,000 users: IAM calls besides ListMFADevices ≤ ${TARGETS.bulkCallsBesidesListMfaDevices}`,
        `${bulkCalls}`,
        bulkCalls <= TARGETS.bulkCallsBesidesListMfaDevices,
      ],
      [
        `bulk ≥ ${TARGETS.bulkSpeedupOverLive}× faster than live (1,000 users)`,
        `${speedup.toFixed(1)}×`,
        speedup >= TARGETS.bulkSpeedupOverLive,
      ],
      [
        `peak RSS, 5,000 users < ${TARGETS.peakRssMb} MB`,
        `${bulk5000.peakRssMb} MB`,
        bulk5000.peakRssMb < TARGETS.peakRssMb,
      ],
      [
        `enforce ≥ ${TARGETS.enforceShareOfFloor * 100}% of the throttle's floor rate, no failed action`,
        `floor ${floor.seconds.toFixed(1)} s (${floor.operation}), took ${(enforce.wallMs / 1000).toFixed(1)} s: ${(enforceShare * 100).toFixed(0)}%; ${enforce.enforced ?? 0} enforced, ${enforce.failed ?? 0} failed`,
        enforceShare >= TARGETS.enforceShareOfFloor && (enforce.failed ?? 0) === 0,
      ],
      [
        `report --org, ${ORG.accounts} accounts × ${ORG.usersPerAccount} users, ${ORG.concurrency} at once: < ${TARGETS.orgShareOfSequential * 100}% of one account's time × ${ORG.accounts}`,
        `${organization.organizationSeconds.toFixed(1)} s against ${organization.oneAccountSeconds.toFixed(2)} s × ${ORG.accounts} = ${(organization.oneAccountSeconds * ORG.accounts).toFixed(1)} s: ${(organization.shareOfSequential * 100).toFixed(0)}%; processor time: moto ${organization.motoCpuSeconds.organization.toFixed(1)} s (${organization.motoCpuSeconds.oneAccount.toFixed(2)} s for one account), the tool ${organization.toolCpuSeconds.toFixed(1)} s, so on ${cpus().length} cores no run can take less than ${((organization.motoCpuSeconds.organization + organization.toolCpuSeconds) / cpus().length).toFixed(1)} s; peak RSS ${organization.peakRssMb} MB`,
        organization.shareOfSequential < TARGETS.orgShareOfSequential,
      ],
      [
        `report --org: IAM calls per account besides ListMFADevices ≤ ${TARGETS.bulkCallsBesidesListMfaDevices}`,
        `${total(organization.iamCallsPerAccount, ['ListMFADevices'])} (${Object.entries(
          organization.iamCallsPerAccount,
        )
          .map(([operation, n]) => `${operation} ${n}`)
          .join(', ')})`,
        total(organization.iamCallsPerAccount, ['ListMFADevices']) <= TARGETS.bulkCallsBesidesListMfaDevices,
      ],
      ...exclusions.map(
        (e) =>
          [
            `report -o ${e.output}, 1,000 users, ${EXCLUDE_PATTERNS.toLocaleString('en')}-line --exclude-file < ${TARGETS.excludePatternsSeconds} s`,
            `${e.seconds.toFixed(1)} s (${e.baselineSeconds.toFixed(1)} s without the file)`,
            e.seconds < TARGETS.excludePatternsSeconds,
          ] as const,
      ),
      ...bundles.map(
        (b) =>
          [
            `${b.name} asset < ${TARGETS.bundleKb} KB`,
            `${b.kb} KB, loads in ${b.loadMs} ms; imports ${b.sdkImports.map((m) => m.replace('@aws-sdk/client-', '')).join(', ')}`,
            b.kb < TARGETS.bundleKb,
          ] as const,
      ),
    ] as const;
    const targets = new Table({
      head: ['Target', 'Measured', ''],
      style: { head: [], border: [] },
      chars: COMPACT,
    });
    for (const [target, measured, met] of checks) targets.push([target, measured, met ? 'pass' : 'FAIL']);

    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    process.stdout.write(
      `\nawssec iam-mfa benchmark, ${startedAt.toISOString().slice(0, 10)} on ${machine}\n` +
        `moto behind the project's proxy: ${LATENCY_MS} ms a call, Throttling above ${RATE_PER_OPERATION} calls/s per operation\n\n` +
        `${calls.toString()}\n\n${targets.toString()}\n`,
    );
    const results = {
      date: startedAt.toISOString(),
      machine,
      latencyMs: LATENCY_MS,
      ratePerOperation: RATE_PER_OPERATION,
      scenarios,
      enforceFloor: { ...floor, share: Math.round(enforceShare * 1000) / 1000 },
      naive,
      organization,
      starts,
      exclusions,
      bundles,
      targets: checks.map(([target, measured, met]) => ({ target, measured, met })),
    };
    await writeFile(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    if (checks.some(([, , met]) => !met)) process.exitCode = 1;
  } finally {
    await proxy.stop();
    await moto.stop();
  }
}

await main();
