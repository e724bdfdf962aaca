import {
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  paginateListVirtualMFADevices,
  type Tag,
} from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { parsePolicyDocument, requireMfaPolicyArn } from '../core/policy-integrity.ts';
import type {
  AccessKeyFacts,
  AccountInventory,
  GroupFacts,
  MfaDevice,
  PolicyDocument,
  RequireMfaPolicyFacts,
  RootFacts,
  UserFacts,
} from '../core/user-facts.ts';
import { AwsCallError, awsCall, isNoSuchEntity } from './aws-call-error.ts';
import { readCallerIdentity } from './caller-identity.ts';
import {
  type CredentialReportOptions,
  type CredentialReportRow,
  CredentialReportTimeoutError,
  fetchCredentialReport,
} from './credential-report.ts';
import { listMfaDevices } from './mfa-devices.ts';
import { readRequireMfaPolicy } from './require-mfa-policy.ts';

export interface InventoryClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/** `auto`: bulk, falling back to live when the credential report is not ready in time. */
export type InventorySourceKind = 'bulk' | 'live' | 'auto';

export type InventoryProgress =
  | { readonly phase: 'credential-report'; readonly state: string }
  | { readonly phase: 'users'; readonly done: number; readonly total: number };

export interface InventoryOptions {
  /** Users outside the run are not read at all. @default every user */
  readonly inScope?: ((userName: string) => boolean) | undefined;
  /** Users read at the same time by per-user calls (each operation also backs off on its own when throttled). @default 32 */
  readonly concurrency?: number | undefined;
  readonly credentialReport?: CredentialReportOptions | undefined;
  readonly onProgress?: ((event: InventoryProgress) => void) | undefined;
}

export const DEFAULT_CONCURRENCY = 32;

/**
 * Reads the account: `bulk` from the credential report and account-wide
 * listings (a fixed number of calls whatever the number of users), `live`
 * with per-user calls (exact and current, one user at a time).
 */
export async function readInventory(
  source: InventorySourceKind,
  clients: InventoryClients,
  options: InventoryOptions = {},
): Promise<AccountInventory> {
  if (source === 'live') return readLiveInventory(clients, options);
  if (source === 'bulk') return readBulkInventory(clients, options);
  try {
    return await readBulkInventory(clients, options);
  } catch (error) {
    if (!(error instanceof CredentialReportTimeoutError)) throw error;
    const inventory = await readLiveInventory(clients, options);
    return { ...inventory, source: { ...inventory.source, fallbackReason: error.message } };
  }
}

/** A user as GetAccountAuthorizationDetails lists it. */
interface ListedUser {
  readonly userName: string;
  readonly arn: string;
  readonly userId: string | undefined;
  readonly createdAt: Date;
  readonly tags: Readonly<Record<string, string>>;
  readonly attachedPolicyArns: readonly string[];
}

/** An assigned virtual MFA device and its owner (root's ARN ends in `:root`). */
interface VirtualDevice {
  readonly device: MfaDevice;
  readonly ownerArn: string | undefined;
  readonly ownerId: string | undefined;
}

/** What both sources read account-wide, with a fixed number of calls. */
interface AccountListing {
  readonly accountId: string;
  readonly requireMfaPolicy: RequireMfaPolicyFacts;
  readonly users: readonly ListedUser[];
  readonly groups: readonly GroupFacts[];
  readonly summary: Readonly<Record<string, number>>;
  readonly virtualDevices: readonly VirtualDevice[];
}

export async function readBulkInventory(
  clients: InventoryClients,
  options: InventoryOptions = {},
): Promise<AccountInventory> {
  // The first failure stops the polling for the report at once; the listing's other reads finish
  // before the failure is thrown: no call outlives the run.
  const abort = new AbortController();
  const stop = (error: unknown) => abort.abort(error);
  const [report, listing] = await allOrFirstFailure(
    [
      fetchCredentialReport(clients.iam, {
        ...options.credentialReport,
        signal: abort.signal,
        onState: (state) => options.onProgress?.({ phase: 'credential-report', state }),
      }),
      readAccountListing(clients, stop),
    ] as const,
    stop,
  ).catch((error: unknown) => {
    // The failure that stopped the rest, not the stop it caused.
    throw abort.signal.aborted ? abort.signal.reason : error;
  });
  const virtualByOwner = new Map<string, MfaDevice[]>();
  for (const { device, ownerArn, ownerId } of listing.virtualDevices) {
    const owner = ownerId ?? ownerArn;
    if (owner !== undefined) virtualByOwner.set(owner, [...(virtualByOwner.get(owner) ?? []), device]);
  }

  const users: UserFacts[] = [];
  const needDevices: UserFacts[] = [];
  const needLive: ListedUser[] = [];
  for (const listed of inScope(listing.users, options)) {
    const row = report.users.get(listed.userName);
    // A user created after the report (or deleted and created again) has no row of its own.
    if (row === undefined || !sameCreation(row.userCreationTime, listed.createdAt)) {
      needLive.push(listed);
      continue;
    }
    const virtual = virtualByOwner.get(listed.userId ?? listed.arn) ?? virtualByOwner.get(listed.arn) ?? [];
    const facts = factsFromReport(listed, row, virtual);
    // MFA that is not a virtual device (FIDO key, hardware token) shows only in ListMFADevices.
    if (virtual.length === 0 && row.mfaActive) needDevices.push(facts);
    else users.push(facts);
  }

  const reads = userReads(needDevices.length + needLive.length, options);
  await forEachLimited(
    [
      ...needDevices.map(
        (facts) => () =>
          reads.read(facts.userName, async () => {
            const devices = await listMfaDevices(clients.iam, facts.userName);
            return devices === undefined ? undefined : { ...facts, mfaDevices: devices };
          }),
      ),
      ...needLive.map(
        (listed) => () => reads.read(listed.userName, () => readUserLive(clients.iam, listed.userName)),
      ),
    ],
    options.concurrency,
  );

  return {
    account: {
      accountId: listing.accountId,
      root: rootFacts(listing, report.root),
      groups: listing.groups,
      requireMfaPolicy: listing.requireMfaPolicy,
    },
    users: sortByName([...users, ...reads.users]),
    source: {
      kind: 'bulk',
      credentialReportGeneratedAt: report.generatedAt,
      usersReadLive: needLive.length,
      usersInAccount: listing.users.length,
      ...reads.outcome(),
    },
  };
}

export async function readLiveInventory(
  clients: InventoryClients,
  options: InventoryOptions = {},
): Promise<AccountInventory> {
  const listing = await readAccountListing(clients);
  const listed = inScope(listing.users, options);
  const reads = userReads(listed.length, options);
  await forEachLimited(
    listed.map(
      (user) => () =>
        reads.read(user.userName, async () => {
          const facts = await readUserLive(clients.iam, user.userName);
          return facts && { ...facts, attachedPolicyArns: user.attachedPolicyArns };
        }),
    ),
    options.concurrency,
  );
  return {
    account: {
      accountId: listing.accountId,
      root: rootFacts(listing, undefined),
      groups: listing.groups,
      requireMfaPolicy: listing.requireMfaPolicy,
    },
    users: sortByName(reads.users),
    source: {
      kind: 'live',
      usersReadLive: listed.length,
      usersInAccount: listing.users.length,
      ...reads.outcome(),
    },
  };
}

/**
 * Collects per-user reads. A user deleted meanwhile, or one AWS refuses to
 * show (AccessDenied, e.g. a permissions boundary or an SCP on its path), is
 * recorded and the run goes on; any other failure ends the run.
 */
function userReads(total: number, options: InventoryOptions) {
  const users: UserFacts[] = [];
  const deleted: string[] = [];
  const unreadable: { userName: string; reason: string }[] = [];
  const progress = progressCounter(total, options);
  return {
    users,
    read: async (userName: string, read: () => Promise<UserFacts | undefined>) => {
      try {
        const facts = await read();
        if (facts === undefined) deleted.push(userName);
        else users.push(facts);
      } catch (error) {
        if (!(error instanceof AwsCallError && error.kind === 'access-denied')) throw error;
        unreadable.push({ userName, reason: error.message });
      }
      progress();
    },
    outcome: () => ({
      usersDeletedDuringRun: deleted.sort(),
      usersUnreadable: unreadable.sort((a, b) => a.userName.localeCompare(b.userName)),
    }),
  };
}

/**
 * One user, read now: GetUser, ListMFADevices, GetLoginProfile,
 * ListAccessKeys and GetAccessKeyLastUsed for each key. Undefined when the
 * user does not exist (any more).
 */
export async function readUserLive(iam: IAMClient, userName: string): Promise<UserFacts | undefined> {
  try {
    const [user, devices, consolePassword, keys] = await Promise.all([
      awsCall('iam:GetUser', () => iam.send(new GetUserCommand({ UserName: userName }))),
      listMfaDevices(iam, userName),
      hasLoginProfile(iam, userName),
      listAccessKeys(iam, userName),
    ]);
    const u = user.User;
    if (u?.Arn === undefined || u.CreateDate === undefined || devices === undefined) return undefined;
    return {
      userName,
      arn: u.Arn,
      userId: u.UserId,
      createdAt: u.CreateDate,
      tags: tagRecord(u.Tags),
      mfaDevices: devices,
      consolePassword,
      passwordLastUsedAt: u.PasswordLastUsed,
      accessKeys: keys,
    };
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

async function hasLoginProfile(iam: IAMClient, userName: string): Promise<boolean> {
  try {
    await awsCall('iam:GetLoginProfile', () => iam.send(new GetLoginProfileCommand({ UserName: userName })));
    return true;
  } catch (error) {
    // No login profile. (A deleted user also answers NoSuchEntity; GetUser tells them apart.)
    if (isNoSuchEntity(error)) return false;
    throw error;
  }
}

async function listAccessKeys(iam: IAMClient, userName: string): Promise<AccessKeyFacts[]> {
  const keys = await awsCall('iam:ListAccessKeys', async () => {
    const found: { id: string; active: boolean; createdAt: Date | undefined }[] = [];
    for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
      for (const key of page.AccessKeyMetadata ?? []) {
        if (key.AccessKeyId) {
          found.push({ id: key.AccessKeyId, active: key.Status === 'Active', createdAt: key.CreateDate });
        }
      }
    }
    return found;
  });
  return Promise.all(
    keys.map(async (key) => {
      const used = await awsCall('iam:GetAccessKeyLastUsed', () =>
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id })),
      );
      return {
        accessKeyId: key.id,
        active: key.active,
        createdAt: key.createdAt,
        lastUsedAt: used.AccessKeyLastUsed?.LastUsedDate,
      };
    }),
  );
}

async function readAccountListing(
  clients: InventoryClients,
  onFirstFailure?: (error: unknown) => void,
): Promise<AccountListing> {
  const reads = [
    readCallerIdentity(clients.sts).then(async (caller) => ({
      accountId: caller.accountId,
      requireMfaPolicy: await readRequireMfaPolicyFacts(clients.iam, requireMfaPolicyArn(caller)),
    })),
    readAuthorizationDetails(clients.iam),
    awsCall('iam:GetAccountSummary', async () => {
      const result = await clients.iam.send(new GetAccountSummaryCommand({}));
      return result.SummaryMap ?? {};
    }),
    readVirtualDevices(clients.iam),
  ] as const;
  const [{ accountId, requireMfaPolicy }, details, summary, virtualDevices] = await allOrFirstFailure(
    reads,
    onFirstFailure,
  );
  return { accountId, requireMfaPolicy, ...details, summary, virtualDevices };
}

/**
 * Whether RequireMFA is the document this tool attaches, for the report. A
 * run allowed to read users but not policies still reports; it says so.
 */
async function readRequireMfaPolicyFacts(iam: IAMClient, arn: string): Promise<RequireMfaPolicyFacts> {
  try {
    const policy = await readRequireMfaPolicy(iam, arn);
    return policy.state === 'missing'
      ? { arn, status: 'missing' }
      : { arn, status: policy.verdict, defaultVersionId: policy.defaultVersionId };
  } catch (error) {
    if (error instanceof AwsCallError && error.kind === 'access-denied') return { arn, status: 'unreadable' };
    throw error;
  }
}

async function readAuthorizationDetails(
  iam: IAMClient,
): Promise<{ users: ListedUser[]; groups: GroupFacts[] }> {
  return awsCall('iam:GetAccountAuthorizationDetails', async () => {
    const users: ListedUser[] = [];
    const groupDetails = [];
    const policyDocuments = new Map<string, PolicyDocument>();
    const paginator = paginateGetAccountAuthorizationDetails(
      { client: iam, pageSize: 1000 },
      { Filter: ['User', 'Group', 'LocalManagedPolicy'] },
    );
    for await (const page of paginator) {
      for (const user of page.UserDetailList ?? []) {
        if (user.UserName === undefined || user.Arn === undefined || user.CreateDate === undefined) continue;
        users.push({
          userName: user.UserName,
          arn: user.Arn,
          userId: user.UserId,
          createdAt: user.CreateDate,
          tags: tagRecord(user.Tags),
          attachedPolicyArns: (user.AttachedManagedPolicies ?? []).flatMap((p) =>
            p.PolicyArn ? [p.PolicyArn] : [],
          ),
        });
      }
      groupDetails.push(...(page.GroupDetailList ?? []));
      for (const policy of page.Policies ?? []) {
        const version = policy.PolicyVersionList?.find((v) => v.IsDefaultVersion);
        if (policy.Arn !== undefined && version?.Document !== undefined) {
          policyDocuments.set(policy.Arn, parsePolicyDocument(version.Document));
        }
      }
    }
    const groups = groupDetails.flatMap((group): GroupFacts[] =>
      group.GroupName === undefined
        ? []
        : [
            {
              groupName: group.GroupName,
              arn: group.Arn,
              policies: [
                ...(group.GroupPolicyList ?? []).map((p) => ({
                  name: p.PolicyName ?? '',
                  document: parsePolicyDocument(p.PolicyDocument ?? '{}'),
                })),
                ...(group.AttachedManagedPolicies ?? []).flatMap((p) => {
                  const document = p.PolicyArn === undefined ? undefined : policyDocuments.get(p.PolicyArn);
                  return document === undefined
                    ? []
                    : [{ name: p.PolicyName ?? p.PolicyArn ?? '', document }];
                }),
              ],
            },
          ],
    );
    return { users, groups };
  });
}

async function readVirtualDevices(iam: IAMClient): Promise<VirtualDevice[]> {
  return awsCall('iam:ListVirtualMFADevices', async () => {
    const devices: VirtualDevice[] = [];
    const paginator = paginateListVirtualMFADevices(
      { client: iam, pageSize: 1000 },
      { AssignmentStatus: 'Assigned' },
    );
    for await (const page of paginator) {
      for (const device of page.VirtualMFADevices ?? []) {
        if (device.SerialNumber === undefined) continue;
        devices.push({
          device: { serialNumber: device.SerialNumber, kind: 'virtual', enabledAt: device.EnableDate },
          ownerArn: device.User?.Arn,
          ownerId: device.User?.UserId,
        });
      }
    }
    return devices;
  });
}

function factsFromReport(listed: ListedUser, row: CredentialReportRow, virtual: MfaDevice[]): UserFacts {
  return {
    userName: listed.userName,
    arn: listed.arn,
    userId: listed.userId,
    createdAt: listed.createdAt,
    tags: listed.tags,
    attachedPolicyArns: listed.attachedPolicyArns,
    mfaDevices: virtual,
    consolePassword: row.passwordEnabled,
    passwordLastUsedAt: row.passwordLastUsed,
    accessKeys: row.accessKeys.map((key) => ({
      active: key.active,
      createdAt: key.lastRotated,
      lastUsedAt: key.lastUsed,
    })),
  };
}

function rootFacts(listing: AccountListing, rootRow: CredentialReportRow | undefined): RootFacts {
  const virtualMfa = listing.virtualDevices.some((d) => d.ownerArn?.endsWith(':root') ?? false);
  const { summary } = listing;
  const accessKeysPresent =
    summary.AccountAccessKeysPresent === 1 || (rootRow?.accessKeys.some((k) => k.active) ?? false);
  return {
    // Any of the three sources seeing root's MFA (or keys) is enough.
    mfaEnabled: summary.AccountMFAEnabled === 1 || (rootRow?.mfaActive ?? false) || virtualMfa,
    virtualMfa,
    accessKeysPresent,
    // No credentials only on AWS's explicit word for each kind: an answer that leaves a key out
    // (older APIs, emulators) must not turn "root has no MFA" into "root needs none".
    hasCredentials: accessKeysPresent || ROOT_CREDENTIAL_KEYS.some((key) => summary[key] !== 0),
  };
}

/** GetAccountSummary's keys for root's password, access keys and signing certificates: 1 present, 0 absent. */
const ROOT_CREDENTIAL_KEYS = [
  'AccountPasswordPresent',
  'AccountAccessKeysPresent',
  'AccountSigningCertificatesPresent',
] as const;

/** IAM's tag list as a record: key → value. */
export function tagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

function inScope(users: readonly ListedUser[], options: InventoryOptions): ListedUser[] {
  return options.inScope ? users.filter((user) => options.inScope?.(user.userName)) : [...users];
}

/**
 * The report gives whole seconds (truncated); other calls may give fractions,
 * which a parser can round up into the next second. A user created again under
 * the same name is minutes, not a second, apart from its predecessor.
 */
function sameCreation(reported: Date, listed: Date): boolean {
  return Math.abs(reported.getTime() - listed.getTime()) < 2_000;
}

function sortByName(users: UserFacts[]): UserFacts[] {
  return users.sort((a, b) => a.userName.localeCompare(b.userName));
}

/**
 * Promise.all, except that when one fails the others are waited for before
 * the first failure is thrown: no call is left running after the run ends.
 */
async function allOrFirstFailure<T extends readonly unknown[]>(
  promises: T,
  onFirstFailure?: (error: unknown) => void,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  let first: { error: unknown } | undefined;
  await Promise.allSettled(
    promises.map((promise) =>
      Promise.resolve(promise).catch((error: unknown) => {
        if (first === undefined) onFirstFailure?.(error);
        first ??= { error };
      }),
    ),
  );
  if (first !== undefined) throw first.error;
  return Promise.all(promises);
}

/**
 * Runs the tasks, `concurrency` at a time. The first failure stops the
 * tasks not yet started and is thrown once the running ones have settled,
 * so nothing is left calling AWS after the run has ended.
 */
async function forEachLimited(
  tasks: readonly (() => Promise<void>)[],
  concurrency = DEFAULT_CONCURRENCY,
): Promise<void> {
  // rejectOnClear: the tasks cleared from the queue settle too, so allSettled returns.
  const limit = pLimit({ concurrency, rejectOnClear: true });
  const failures: unknown[] = [];
  await Promise.allSettled(
    tasks.map((task) =>
      limit(() =>
        task().catch((error: unknown) => {
          failures.push(error);
          limit.clearQueue();
        }),
      ),
    ),
  );
  if (failures.length > 0) throw failures[0];
}

function progressCounter(total: number, options: InventoryOptions): () => void {
  let done = 0;
  if (total > 0) options.onProgress?.({ phase: 'users', done, total });
  return () => {
    done += 1;
    options.onProgress?.({ phase: 'users', done, total });
  };
}
