import {
  CreatePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type IAMClient,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { operatorPolicy } from '../../lambdas/core/operator-policies.ts';
import { actionsOf, REPAIR_PERMISSIONS } from '../../lambdas/core/permissions.ts';
import { policyJson, requireMfaPolicy, selfServiceMfaPolicy } from '../../lambdas/core/policies.ts';
import { requireMfaPolicyVerdict } from '../../lambdas/core/policy-integrity.ts';
import type { PolicyRepairRun } from '../../lambdas/use-cases/repair-require-mfa-policy.ts';
import {
  createTamperedRequireMfa,
  swapRequireMfaDefaultVersion,
  TAMPERED_REQUIRE_MFA,
  TEST_ACCOUNT_ID,
  testClientSettings,
  testClients,
} from '../support/aws.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';

const POLICY_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;
const WRITES = ['CreatePolicy', 'CreatePolicyVersion', 'DeletePolicyVersion', 'SetDefaultPolicyVersion'];

let iam: IAMClient;
const emulator = useMoto(
  async (moto) => {
    iam = testClients(moto.endpoint).iam;
  },
  { reseedOnlyAfterChanges: true },
);

const awssec = (args: string[]) =>
  runAwssec(['iam-mfa', 'policy', ...args], testClientSettings(emulator.proxy.endpoint));

async function repairJson(args: string[] = []) {
  const result = await awssec(['--repair', '-o', 'json', ...args]);
  return { ...result, run: JSON.parse(result.stdout) as PolicyRepairRun };
}

const writes = () =>
  Object.fromEntries([...emulator.proxy.seen].filter(([action]) => WRITES.includes(action)));

async function defaultDocument(): Promise<unknown> {
  const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: POLICY_ARN }));
  const { PolicyVersion } = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: Policy?.DefaultVersionId }),
  );
  return JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? ''));
}

describe('awssec iam-mfa policy: printing', () => {
  it.each([
    [[], requireMfaPolicy],
    [['require-mfa'], requireMfaPolicy],
    [['self-service'], selfServiceMfaPolicy],
    [['--operator', 'report'], operatorPolicy('report')],
    [['--operator', 'enforce'], operatorPolicy('enforce')],
    [['--operator', 'restore'], operatorPolicy('restore')],
    [['--operator', 'repair'], operatorPolicy('repair')],
    [['--operator', 'enforce', '--partition', 'aws-cn'], operatorPolicy('enforce', { partition: 'aws-cn' })],
    [
      ['--operator', 'restore', '--record-bucket', 'audit-records'],
      operatorPolicy('restore', { recordBucket: 'audit-records' }),
    ],
    [['--operator', 'report', '--security-hub'], operatorPolicy('report', { securityHub: true })],
    [['--operator', 'report', '--org'], operatorPolicy('report', { organizationRole: 'AwssecIamMfaAudit' })],
    [
      ['--operator', 'report', '--org', '--role-name', 'Auditor'],
      operatorPolicy('report', { organizationRole: 'Auditor' }),
    ],
    [
      ['--operator', 'enforce', '--org'],
      operatorPolicy('enforce', { organizationRole: 'AwssecIamMfaEnforce' }),
    ],
  ])('%j prints its policy, with no AWS call', async (args, document) => {
    const { code, stdout } = await awssec(args);
    expect(code).toBe(0);
    expect(stdout).toBe(`${policyJson(document)}\n`);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('puts the partition in every ARN it prints', async () => {
    const { stdout } = await awssec(['--operator', 'restore', '--partition', 'aws-us-gov']);
    expect(stdout).toContain('arn:aws-us-gov:iam::*:user/*');
    expect(stdout).not.toContain('arn:aws:');
  });

  it.each([
    [
      ['admin'],
      "command-argument value 'admin' is invalid for argument 'name'. Allowed choices are require-mfa, self-service. (see --help)",
    ],
    [
      ['--operator', 'admin'],
      "option '--operator <command>' argument 'admin' is invalid. Allowed choices are report, enforce, restore, repair. (see --help)",
    ],
    [
      ['self-service', '--operator', 'enforce'],
      'a policy name (self-service) and --operator ask for different things: give one',
    ],
    [['--operator', 'enforce', '--repair'], '--operator and --repair ask for different things: give one'],
    [['--apply'], '--apply and --dry-run go with --repair: awssec iam-mfa policy --repair --apply'],
    [
      ['--repair', '--apply', '--dry-run'],
      '--dry-run and --apply contradict each other: give one (a dry run is the default)',
    ],
    [
      ['--partition', 'aws-cn'],
      '--partition goes with --operator: awssec iam-mfa policy --operator enforce --partition aws-cn',
    ],
    [
      ['--operator', 'report', '--record-bucket', 'audit-records'],
      '--record-bucket goes with --operator enforce or restore: awssec iam-mfa policy --operator enforce --record-bucket NAME',
    ],
    [
      ['--operator', 'enforce', '--security-hub'],
      '--security-hub goes with --operator report: awssec iam-mfa policy --operator report --security-hub',
    ],
    [
      ['--operator', 'restore', '--org'],
      '--org goes with --operator report or enforce: awssec iam-mfa policy --operator report --org',
    ],
    [
      ['--operator', 'report', '--role-name', 'Auditor'],
      '--role-name goes with --org: awssec iam-mfa policy --operator report --org --role-name NAME',
    ],
    [
      ['--security-hub'],
      '--security-hub goes with --operator report: awssec iam-mfa policy --operator report --security-hub',
    ],
    [
      ['--operator', 'enforce', '--record-bucket', 'A'],
      "--record-bucket: 'A' is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)",
    ],
  ])('refuses %j with exit 2 and no AWS call', async (args, message) => {
    const { code, stdout, stderr } = await awssec(args);
    expect(stderr).toBe(`awssec: ${message}\n`);
    expect(stdout).toBe('');
    expect(code).toBe(2);
    expect(emulator.proxy.seen.size).toBe(0);
  });
});

describe('awssec iam-mfa policy --repair', () => {
  it('plans a canonical default version over a tampered one, and changes nothing without --apply', async () => {
    await createTamperedRequireMfa(iam, requireMfaPolicy);
    await swapRequireMfaDefaultVersion(iam);
    emulator.proxy.seen.clear();
    const { code, run } = await repairJson();
    expect(code).toBe(0);
    expect(run).toMatchObject({
      dry_run: true,
      policy_arn: POLICY_ARN,
      found: {
        status: 'tampered',
        default_version: 'v2',
        versions: ['v1', 'v2'],
        document: TAMPERED_REQUIRE_MFA,
      },
      outcome: 'planned',
      actions: [
        {
          action: 'create-default-version',
          detail: 'the canonical document, as the default in place of v2',
          result: 'planned',
          error: null,
        },
      ],
    });
    expect(writes()).toEqual({});
    expect(requireMfaPolicyVerdict(await defaultDocument())).toBe('tampered');
  });

  it('with --apply makes the canonical document the default, keeps the tampered version, and is done after one run', async () => {
    await createTamperedRequireMfa(iam);
    const { code, run } = await repairJson(['--apply']);
    expect(code).toBe(0);
    expect(run.outcome).toBe('repaired');
    expect(requireMfaPolicyVerdict(await defaultDocument())).toBe('canonical');
    const { Versions } = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY_ARN }));
    expect(Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]).sort()).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    emulator.proxy.seen.clear();
    const again = await repairJson(['--apply']);
    expect(again.run).toMatchObject({
      outcome: 'nothing-to-repair',
      found: { status: 'canonical' },
      actions: [],
    });
    expect(writes()).toEqual({});
  });

  it('repairs an outdated RequireMFA the same way', async () => {
    await createTamperedRequireMfa(iam, {
      Version: '2012-10-17',
      Statement: requireMfaPolicy.Statement.slice(0, 1),
    });
    const { run } = await repairJson(['--apply']);
    expect(run).toMatchObject({ found: { status: 'outdated' }, outcome: 'repaired' });
    expect(requireMfaPolicyVerdict(await defaultDocument())).toBe('canonical');
  });

  it('creates RequireMFA when it is missing', async () => {
    const planned = await repairJson();
    expect(planned.run).toMatchObject({
      found: { status: 'missing', default_version: null, versions: [], document: null },
      actions: [{ action: 'create-policy', result: 'planned' }],
    });
    const { run } = await repairJson(['--apply']);
    expect(run.outcome).toBe('repaired');
    expect(requireMfaPolicyVerdict(await defaultDocument())).toBe('canonical');
  });

  it("deletes the oldest non-default version when IAM's five are taken", async () => {
    await createTamperedRequireMfa(iam, requireMfaPolicy);
    for (let i = 0; i < 4; i += 1) {
      await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: POLICY_ARN,
          PolicyDocument: JSON.stringify(TAMPERED_REQUIRE_MFA),
          SetAsDefault: true,
        }),
      );
    }
    const { run } = await repairJson(['--apply']);
    expect(run.actions.map((a) => [a.action, a.detail, a.result])).toEqual([
      ['delete-policy-version', 'v1, the oldest non-default version (IAM keeps five)', 'done'],
      ['create-default-version', 'the canonical document, as the default in place of v5', 'done'],
    ]);
    const { Versions } = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY_ARN }));
    expect(Versions?.map((v) => v.VersionId).sort()).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);
    expect(requireMfaPolicyVerdict(await defaultDocument())).toBe('canonical');
  });

  it('prints the plan, and the document it found, as a table', async () => {
    await createTamperedRequireMfa(iam);
    const { code, stdout } = await awssec(['--repair']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Repair RequireMFA · ${POLICY_ARN} · DRY RUN: nothing was changed`);
    expect(stdout).toContain(
      'Found: TAMPERED: not the document this tool attaches (default version v1 of v1)',
    );
    expect(stdout).toContain('DEFAULT VERSION V1 AS FOUND');
    expect(stdout).toContain('"Action": "*"');
    expect(stdout).toContain('Run the same command with --apply to carry this out.');
  });

  it('shows the document it found without its escape sequences', async () => {
    await createTamperedRequireMfa(iam, {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Evil\u001b[2J\u009b31m', Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    const { stdout } = await awssec(['--repair']);
    expect(stdout).toContain('"Sid": "Evil",');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not reach the terminal
    expect(stdout).not.toMatch(/[\u001b\u009b]/);
  });

  it('calls exactly the actions its operator policy lists', async () => {
    await repairJson(['--apply']); // missing: created
    for (let i = 0; i < 4; i += 1) await swapRequireMfaDefaultVersion(iam);
    await repairJson(['--apply']); // five versions, tampered: one deleted, one created
    const seen = [...emulator.proxy.seen.keys()]
      .filter((a) => a !== 'GetCallerIdentity')
      .map((a) => `iam:${a}`);
    expect(seen.sort()).toEqual(actionsOf(REPAIR_PERMISSIONS).sort());
  });
});
