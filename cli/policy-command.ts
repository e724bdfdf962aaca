import { displaySafe, displayText } from '../lambdas/core/display-text.ts';
import { type OperatorCommand, operatorPolicy } from '../lambdas/core/operator-policies.ts';
import { policyJson, requireMfaPolicy, selfServiceMfaPolicy } from '../lambdas/core/policies.ts';
import { isBucketName } from '../lambdas/core/user-record.ts';
import { MEMBER_ROLE_NAMES } from '../lambdas/function-contract.ts';
import {
  type PolicyRepairRun,
  repairRequireMfaPolicy,
} from '../lambdas/use-cases/repair-require-mfa-policy.ts';
import { title } from './boxes.ts';
import type { Partition, PolicyName } from './choices.ts';
import { stepsTable } from './render-enforcement.ts';
import type { CommandContext } from './report-command.ts';
import { type Style, styleFor } from './terminal.ts';
import { UsageError } from './usage-error.ts';

/** The policies the tool attaches or suggests, by the name `awssec iam-mfa policy NAME` takes. */
const POLICIES: Readonly<Record<PolicyName, typeof requireMfaPolicy>> = {
  'require-mfa': requireMfaPolicy,
  'self-service': selfServiceMfaPolicy,
};

export interface PolicyFlags {
  readonly operator?: OperatorCommand | undefined;
  readonly partition: Partition;
  readonly recordBucket?: string | undefined;
  readonly securityHub?: boolean | undefined;
  readonly org?: boolean | undefined;
  readonly roleName?: string | undefined;
  readonly repair?: boolean | undefined;
  readonly apply?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  readonly output: 'table' | 'json';
  readonly timeout?: number | undefined;
}

/**
 * `awssec iam-mfa policy [NAME]` prints a policy the tool attaches (no AWS
 * call); `--operator COMMAND` the least-privilege policy for running that
 * command; `--repair` makes RequireMFA the canonical document again (a dry
 * run unless `--apply`).
 */
export async function runPolicyCommand(
  name: PolicyName | undefined,
  flags: PolicyFlags,
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const given = [
    name === undefined ? undefined : `a policy name (${name})`,
    flags.operator === undefined ? undefined : '--operator',
    flags.repair ? '--repair' : undefined,
  ].filter((item) => item !== undefined);
  if (given.length > 1) {
    throw new UsageError(`${given.join(' and ')} ask for different things: give one`);
  }
  if (!flags.repair && (flags.apply || flags.dryRun)) {
    throw new UsageError('--apply and --dry-run go with --repair: awssec iam-mfa policy --repair --apply');
  }
  if (flags.repair) {
    if (flags.apply && flags.dryRun) {
      throw new UsageError(
        '--dry-run and --apply contradict each other: give one (a dry run is the default)',
      );
    }
    const run = await repairRequireMfaPolicy({ ...context.aws, dryRun: !flags.apply, now: context.now?.() });
    io.stdout.write(
      flags.output === 'json'
        ? `${JSON.stringify(run, null, 2)}\n`
        : renderRepair(run, styleFor(io.stdout, io.env)),
    );
    return run.outcome === 'failed' ? 1 : 0;
  }
  if (flags.partition !== 'aws' && flags.operator === undefined) {
    throw new UsageError(
      '--partition goes with --operator: awssec iam-mfa policy --operator enforce --partition aws-cn',
    );
  }
  if (flags.recordBucket !== undefined && flags.operator !== 'enforce' && flags.operator !== 'restore') {
    throw new UsageError(
      '--record-bucket goes with --operator enforce or restore: awssec iam-mfa policy --operator enforce --record-bucket NAME',
    );
  }
  if (flags.org === true && flags.operator !== 'report' && flags.operator !== 'enforce') {
    throw new UsageError(
      '--org goes with --operator report or enforce: awssec iam-mfa policy --operator report --org',
    );
  }
  if (flags.roleName !== undefined && flags.org !== true) {
    throw new UsageError(
      '--role-name goes with --org: awssec iam-mfa policy --operator report --org --role-name NAME',
    );
  }
  if (flags.roleName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(flags.roleName)) {
    throw new UsageError(
      `--role-name: '${flags.roleName}' is not an IAM role name (letters, digits and +=,.@_-, up to 64)`,
    );
  }
  if (flags.securityHub === true && flags.operator !== 'report') {
    throw new UsageError(
      '--security-hub goes with --operator report: awssec iam-mfa policy --operator report --security-hub',
    );
  }
  if (flags.recordBucket !== undefined && !isBucketName(flags.recordBucket)) {
    throw new UsageError(
      `--record-bucket: '${flags.recordBucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
    );
  }
  const document =
    flags.operator === undefined
      ? POLICIES[name ?? 'require-mfa']
      : operatorPolicy(flags.operator, {
          partition: flags.partition,
          recordBucket: flags.recordBucket,
          securityHub: flags.securityHub,
          organizationRole:
            flags.org !== true
              ? undefined
              : (flags.roleName ??
                (flags.operator === 'enforce' ? MEMBER_ROLE_NAMES.enforce : MEMBER_ROLE_NAMES.audit)),
        });
  io.stdout.write(`${policyJson(document)}\n`);
  return 0;
}

const FOUND: Record<PolicyRepairRun['found']['status'], string> = {
  canonical: 'canonical: the document this tool attaches',
  missing: 'missing: not created yet',
  outdated: "OUTDATED: an earlier release's document",
  tampered: 'TAMPERED: not the document this tool attaches',
};

function renderRepair(untrusted: PolicyRepairRun, style: Style): string {
  // The document found is anybody's text: no escape sequence of it reaches the terminal.
  const run = displaySafe(untrusted);
  const mode = run.dry_run
    ? style.colors.yellow('DRY RUN: nothing was changed')
    : style.colors.bold('APPLIED');
  const { found } = run;
  const lines = [
    `${style.colors.bold('Repair RequireMFA')} · ${run.policy_arn} · ${mode}`,
    `Found: ${FOUND[found.status]}${found.default_version === null ? '' : ` (default version ${found.default_version} of ${found.versions.join(', ')})`}`,
  ];
  if (run.outcome === 'nothing-to-repair') {
    lines.push('Nothing to repair.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(stepsTable(run.actions, style), ...run.notes.map((note) => `Note: ${note}`));
  if (found.document !== null) {
    lines.push(
      '',
      title(`Default version ${found.default_version ?? ''} as found`, style),
      JSON.stringify(found.document, null, 2).split('\n').map(displayText).join('\n'),
    );
  }
  if (run.dry_run) lines.push('', 'Run the same command with --apply to carry this out.');
  return `${lines.join('\n')}\n`;
}
