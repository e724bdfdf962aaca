/**
 * One benchmark scenario in a process of its own, so its peak memory is its
 * own: runs the report or enforcement against the endpoint it is given (the
 * proxy in front of moto), counts the IAM calls by operation with SDK
 * middleware, and prints one JSON line with the figures. It runs compiled
 * (npm run build puts it in dist/), as the CLI does, so that a TypeScript
 * loader's memory is not counted as the tool's.
 *
 *   node dist/bench/scenario.js '{"kind":"report","source":"bulk","endpoint":"http://127.0.0.1:PORT"}'
 */
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  NoSuchEntityException,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { createIamClient } from '../lambdas/aws/aws-clients.ts';
import { createStsClient } from '../lambdas/aws/caller-identity.ts';
import { enforceMfaCompliance } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import { generateMfaReport } from '../lambdas/use-cases/generate-mfa-report.ts';
import { generateOrgMfaReport } from '../lambdas/use-cases/generate-org-mfa-report.ts';

export interface ScenarioInput {
  /**
   * naive: the per-user loop a user would write first, the baseline the bulk
   * report is measured against; org: report --org, `concurrency` accounts at once.
   */
  readonly kind: 'report' | 'enforce' | 'naive' | 'org';
  readonly source: 'bulk' | 'live';
  readonly endpoint: string;
  readonly concurrency?: number;
}

export interface ScenarioOutput {
  readonly users: number;
  readonly wallMs: number;
  readonly peakRssMb: number;
  /** The scenario process's processor time (user and system), for runs the machine's cores limit. */
  readonly cpuMs: number;
  readonly callsByOperation: Record<string, number>;
  readonly enforced?: number;
  readonly failed?: number;
  /** org: the accounts assessed. */
  readonly accounts?: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ScenarioInput;
const settings = {
  endpoint: input.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
};
const iamClient = createIamClient(settings);
// One count per call by operation, whatever its retries (the retries happen below this step). The
// tests' countCalls does the same; importing it would load SDK clients the scenario does not use,
// and their memory would be counted as the tool's.
const calls = new Map<string, number>();
iamClient.middlewareStack.add(
  (next, context) => (args) => {
    const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    return next(args);
  },
  { step: 'initialize', name: 'awssecBenchCallCounter' },
);
const options = {
  ...settings,
  iamClient,
  stsClient: createStsClient(settings),
  source: input.source,
  concurrency: input.concurrency,
};

/**
 * What a first script does: list the users, then for each, ten users at a
 * time, ask for its MFA devices, its console password, its access keys and
 * each key's last use, one call after another. Counts who lacks MFA, so its
 * work is not optimised away, and nothing else.
 */
async function naiveLoop(iam: IAMClient): Promise<{ users: number; withoutMfa: number }> {
  const names: string[] = [];
  for await (const page of paginateListUsers({ client: iam }, {})) {
    for (const user of page.Users ?? []) names.push(user.UserName ?? '');
  }
  const limit = pLimit(10);
  let withoutMfa = 0;
  await Promise.all(
    names.map((UserName) =>
      limit(async () => {
        const devices = await iam.send(new ListMFADevicesCommand({ UserName }));
        const password = await iam
          .send(new GetLoginProfileCommand({ UserName }))
          .then(() => true)
          .catch((error: unknown) => {
            if (error instanceof NoSuchEntityException) return false;
            throw error;
          });
        const keys = await iam.send(new ListAccessKeysCommand({ UserName }));
        let activeKey = false;
        for (const key of keys.AccessKeyMetadata ?? []) {
          await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
          activeKey ||= key.Status === 'Active';
        }
        if ((devices.MFADevices ?? []).length === 0 && (password || activeKey)) withoutMfa += 1;
      }),
    ),
  );
  return { users: names.length, withoutMfa };
}

const started = performance.now();
let output: Omit<ScenarioOutput, 'wallMs' | 'peakRssMb' | 'cpuMs' | 'callsByOperation'>;
const cpuAtStart = process.cpuUsage();
if (input.kind === 'naive') {
  output = { users: (await naiveLoop(iamClient)).users };
} else if (input.kind === 'report') {
  const report = await generateMfaReport(options);
  output = { users: report.summary.total };
} else if (input.kind === 'org') {
  // Every other account's clients are made inside, with the role's credentials: the proxy counts their calls.
  const report = await generateOrgMfaReport({
    ...settings,
    source: input.source,
    organization: { concurrency: input.concurrency },
  });
  output = { users: report.summary.total, accounts: report.summary.accounts_assessed };
} else {
  const run = await enforceMfaCompliance({ ...options, dryRun: false, force: true });
  output = {
    users: run.summary.users_assessed,
    enforced: run.summary.by_outcome.enforced,
    failed: run.summary.by_outcome.failed,
  };
}
const result: ScenarioOutput = {
  ...output,
  wallMs: Math.round(performance.now() - started),
  // maxRSS is in kilobytes.
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  cpuMs: (() => {
    const used = process.cpuUsage(cpuAtStart);
    return Math.round((used.user + used.system) / 1000);
  })(),
  callsByOperation: Object.fromEntries([...calls].sort(([a], [b]) => a.localeCompare(b))),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
