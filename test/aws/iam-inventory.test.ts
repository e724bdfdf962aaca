import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../lambdas/aws/aws-call-error.ts';
import { readBulkInventory, readLiveInventory, readUserLive } from '../../lambdas/aws/iam-inventory.ts';
import {
  actionsOf,
  BULK_REPORT_PERMISSIONS,
  LIVE_REPORT_PERMISSIONS,
} from '../../lambdas/core/permissions.ts';
import { requireMfaPolicy } from '../../lambdas/core/policies.ts';
import type { UserFacts } from '../../lambdas/core/user-facts.ts';
import {
  CREDENTIAL_REPORT,
  GAAD_PAGE_1,
  GAAD_PAGE_2,
  VIRTUAL_DEVICES_WITH_ROOT,
} from '../fixtures/recorded-iam.ts';
import {
  countCalls,
  createTamperedRequireMfa,
  swapRequireMfaDefaultVersion,
  TEST_ACCOUNT_ID,
  testClients,
  total,
} from '../support/aws.ts';
import {
  accessDenied,
  awsErrorXml,
  rewriteAccountSummary,
  rewriteCredentialReport,
} from '../support/aws-proxy.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedUsers } from '../support/seed.ts';

const emulator = useMoto();

const fastReport = { credentialReport: { initialDelayMs: 5 } };

describe('bulk inventory', () => {
  it('reads each kind of user as moto holds it', async () => {
    const clients = testClients(emulator.moto.endpoint);
    await seedUsers(clients.iam, emulator.moto, [
      { name: 'virtual.user', console: true, mfa: ['virtual'] },
      { name: 'fido.user', console: true, mfa: ['security-key'] },
      { name: 'token.user', accessKeys: ['active'], mfa: ['hardware-totp', 'security-key'] },
      { name: 'console.only', console: true },
      { name: 'keys.only', accessKeys: ['active', 'inactive'], useFirstKey: true },
      { name: 'no.credentials', ageDays: 2 },
    ]);
    const inventory = await readBulkInventory(clients, fastReport);
    const byName = new Map(inventory.users.map((u) => [u.userName, u]));
    expect([...byName.keys()]).toEqual([
      'console.only',
      'fido.user',
      'keys.only',
      'no.credentials',
      'token.user',
      'virtual.user',
    ]);
    expect(kinds(byName.get('virtual.user'))).toEqual(['virtual']);
    expect(kinds(byName.get('fido.user'))).toEqual(['security-key']);
    expect(kinds(byName.get('token.user'))).toEqual(['hardware-totp', 'security-key']);
    expect(byName.get('console.only')).toMatchObject({ consolePassword: true, mfaDevices: [] });
    const keys = byName.get('keys.only')?.accessKeys ?? [];
    expect(keys.map((k) => k.active)).toEqual([true, false]);
    expect(keys[0]?.lastUsedAt).toBeInstanceOf(Date);
    expect(byName.get('keys.only')?.consolePassword).toBe(false);
    const created = byName.get('console.only')?.createdAt.getTime() ?? 0;
    expect(Date.now() - created).toBeGreaterThan(399 * 86_400_000);
    expect(inventory.account.accountId).toBe(TEST_ACCOUNT_ID);
    expect(inventory.source).toMatchObject({
      kind: 'bulk',
      usersReadLive: 0,
      usersInAccount: 6,
      usersDeletedDuringRun: [],
      usersUnreadable: [],
    });
  });

  it('agrees with the live source on every user', async () => {
    const clients = testClients(emulator.moto.endpoint);
    await seedUsers(clients.iam, emulator.moto, [
      { name: 'a', console: true, mfa: ['virtual', 'virtual'] },
      { name: 'b', accessKeys: ['active'], mfa: ['hardware-totp'] },
      { name: 'c', console: true, accessKeys: ['inactive', 'active'], tags: { team: 'x' } },
    ]);
    // Times to the second: moto writes the same time with its milliseconds truncated in one
    // answer and rounded in another (ListVirtualMFADevices and ListMFADevices, for one).
    const strip = (u: UserFacts) => ({
      ...u,
      mfaDevices: u.mfaDevices.map((d) => ({ ...d, enabledAt: d.enabledAt?.toISOString().slice(0, 19) })),
      accessKeys: u.accessKeys.map((k) => ({
        active: k.active,
        createdAt: k.createdAt?.toISOString().slice(0, 19),
      })),
      createdAt: u.createdAt.toISOString().slice(0, 19),
    });
    const bulk = await readBulkInventory(clients, fastReport);
    const live = await readLiveInventory(clients);
    expect(bulk.users.map(strip)).toEqual(live.users.map(strip));
  });

  it('makes the same number of calls for 20 and 120 users, apart from ListMFADevices', async () => {
    const mix = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `user-${i}`,
        console: i % 2 === 0,
        accessKeys: i % 3 === 0 ? (['active'] as const) : [],
        mfa: i % 5 === 0 ? (['virtual'] as const) : i % 25 === 1 ? (['hardware-totp'] as const) : [],
      }));
    const callsFor = async (n: number) => {
      await emulator.moto.reset();
      const clients = testClients(emulator.moto.endpoint);
      await seedUsers(clients.iam, emulator.moto, mix(n));
      const counts = countCalls(clients.iam);
      const inventory = await readBulkInventory(clients, fastReport);
      expect(inventory.users).toHaveLength(n);
      return counts;
    };
    const small = await callsFor(20);
    const large = await callsFor(120);
    expect(total(large, ['ListMFADevices'])).toBe(total(small, ['ListMFADevices']));
    // One ListMFADevices per user whose MFA is not virtual (i % 25 === 1), none for the others.
    expect(small.get('ListMFADevices')).toBe(1);
    expect(large.get('ListMFADevices')).toBe(5);
    expect(large.get('GetUser') ?? 0).toBe(0);
  }, 120_000);
});

describe("root's credentials, from GetAccountSummary", () => {
  const rootWith = async (entries: Record<string, number>) => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GetAccountSummary' ? { rewrite: rewriteAccountSummary(entries) } : undefined,
    );
    const clients = testClients(emulator.proxy.endpoint);
    const [bulk, live] = [await readBulkInventory(clients, fastReport), await readLiveInventory(clients)];
    expect(live.account.root).toEqual(bulk.account.root);
    return bulk.account.root;
  };
  const NONE = {
    AccountPasswordPresent: 0,
    AccountAccessKeysPresent: 0,
    AccountSigningCertificatesPresent: 0,
  };

  it('has none when AWS says root has no password, access keys or signing certificates', async () => {
    expect(await rootWith(NONE)).toEqual({
      mfaEnabled: false,
      virtualMfa: false,
      accessKeysPresent: false,
      hasCredentials: false,
    });
  });

  it.each([
    ['a password', { AccountPasswordPresent: 1 }],
    ['access keys', { AccountAccessKeysPresent: 1 }],
    ['a signing certificate', { AccountSigningCertificatesPresent: 1 }],
  ])('has credentials when root has %s', async (_, present) => {
    expect(await rootWith({ ...NONE, ...present })).toMatchObject({
      mfaEnabled: false,
      hasCredentials: true,
    });
  });

  it('counts a key left out of the answer as present: moto, like an older API, has no AccountPasswordPresent', async () => {
    const { AccountPasswordPresent: _, ...withoutPassword } = NONE;
    expect(await rootWith(withoutPassword)).toMatchObject({ hasCredentials: true });
  });

  it("has credentials when the credential report's root row shows an active key GetAccountSummary missed", async () => {
    emulator.proxy.setRule(({ action }) => {
      if (action === 'GetAccountSummary') return { rewrite: rewriteAccountSummary(NONE) };
      if (action === 'GetCredentialReport') return { respond: { status: 200, body: CREDENTIAL_REPORT } };
      return undefined;
    });
    const inventory = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport);
    expect(inventory.account.root).toMatchObject({ accessKeysPresent: true, hasCredentials: true });
  });
});

describe('bulk inventory where moto differs from AWS', () => {
  it('follows pagination, reads root’s row and device, and reads users newer than the report live', async () => {
    await seedUsers(testClients(emulator.moto.endpoint).iam, emulator.moto, [
      { name: 'alice', console: true, mfa: ['hardware-totp'] },
      { name: 'bob', ageDays: 0, console: true },
    ]);
    const markers: (string | null)[] = [];
    emulator.proxy.setRule(({ action, params }) => {
      if (action === 'GetAccountAuthorizationDetails') {
        markers.push(params.get('Marker'));
        return { respond: { status: 200, body: params.get('Marker') ? GAAD_PAGE_2 : GAAD_PAGE_1 } };
      }
      if (action === 'GetCredentialReport') return { respond: { status: 200, body: CREDENTIAL_REPORT } };
      if (action === 'ListVirtualMFADevices')
        return { respond: { status: 200, body: VIRTUAL_DEVICES_WITH_ROOT } };
      return undefined;
    });
    const inventory = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport);

    expect(markers).toEqual([null, 'EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl']);
    expect(inventory.account.root).toEqual({
      mfaEnabled: true,
      virtualMfa: true,
      accessKeysPresent: true,
      hasCredentials: true,
    });
    expect(inventory.account.groups.map((g) => [g.groupName, g.policies.map((p) => p.name)])).toEqual([
      ['admins', ['RequireMFA']],
      ['developers', ['s3-everything']],
    ]);
    const [alice, bob] = inventory.users;
    // alice: from the report; MFA active but no virtual device, so ListMFADevices tells the kind.
    expect(alice).toMatchObject({
      userName: 'alice',
      userId: 'AIDACKCEVSQ6C2EXAMPLE',
      tags: { email: 'alice@example.com' },
      consolePassword: true,
      passwordLastUsedAt: new Date('2026-11-21T07:00:00Z'),
      accessKeys: [
        {
          active: true,
          createdAt: new Date('2020-02-01T00:00:00Z'),
          lastUsedAt: new Date('2026-11-21T09:00:00Z'),
        },
      ],
    });
    expect(alice?.mfaDevices.map((d) => d.kind)).toEqual(['hardware-totp']);
    // bob: created after the report, so read one call at a time.
    expect(bob).toMatchObject({ userName: 'bob', consolePassword: true, mfaDevices: [], accessKeys: [] });
    expect(inventory.source).toEqual({
      kind: 'bulk',
      credentialReportGeneratedAt: new Date('2026-11-22T08:00:00Z'),
      usersReadLive: 1,
      usersInAccount: 2,
      usersDeletedDuringRun: [],
      usersUnreadable: [],
    });
    expect(emulator.proxy.seen.get('ListMFADevices')).toBe(2); // alice's kind, bob's live read
    expect(emulator.proxy.seen.get('GetUser')).toBe(1);
  });

  it('reads a user live when its report row belongs to an earlier user of the same name', async () => {
    const { iam } = testClients(emulator.moto.endpoint);
    await seedUsers(iam, emulator.moto, [
      { name: 'carol', accessKeys: ['active'] },
      { name: 'dave', console: true },
    ]);
    emulator.proxy.setRule(({ action }) =>
      action === 'GetCredentialReport'
        ? {
            rewrite: rewriteCredentialReport((csv) =>
              csv.replace(/^(carol,[^,]*,)[^,]*/m, '$12001-01-01T00:00:00+00:00'),
            ),
          }
        : undefined,
    );
    const inventory = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport);
    expect(inventory.source.usersReadLive).toBe(1);
    expect(emulator.proxy.seen.get('GetUser')).toBe(1);
    expect(inventory.users.find((u) => u.userName === 'carol')?.accessKeys[0]?.accessKeyId).toMatch(/^AKIA/);
  });

  it('reports a user deleted while the run reads it, and goes on', async () => {
    await seedUsers(testClients(emulator.moto.endpoint).iam, emulator.moto, [
      { name: 'gone', console: true, mfa: ['security-key'] },
      { name: 'stays', console: true, mfa: ['hardware-totp'] },
    ]);
    emulator.proxy.setRule(({ action, params }) =>
      action === 'ListMFADevices' && params.get('UserName') === 'gone'
        ? {
            respond: {
              status: 404,
              body: awsErrorXml('NoSuchEntity', 'The user with name gone cannot be found.'),
            },
          }
        : undefined,
    );
    const inventory = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport);
    expect(inventory.users.map((u) => u.userName)).toEqual(['stays']);
    expect(inventory.source.usersDeletedDuringRun).toEqual(['gone']);
  });

  it('stops polling for the credential report once the listing has failed', async () => {
    emulator.proxy.setRule(({ action }) => {
      if (action === 'GenerateCredentialReport') {
        return {
          respond: {
            status: 200,
            body: '<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>INPROGRESS</State></GenerateCredentialReportResult></GenerateCredentialReportResponse>',
          },
        };
      }
      return action === 'GetAccountSummary' ? { respond: accessDenied(action) } : undefined;
    });
    const error = await readBulkInventory(testClients(emulator.proxy.endpoint), {
      credentialReport: { initialDelayMs: 20, maxDelayMs: 20, timeoutMs: 60_000 },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'access-denied', action: 'iam:GetAccountSummary' });
    // The poll sent with the listing may still arrive; without the stop a poll every 20 ms would follow.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.proxy.seen.get('GenerateCredentialReport') ?? 0).toBeLessThanOrEqual(1);
  });

  it('stops reading users once one read has failed', async () => {
    await seedUsers(
      testClients(emulator.moto.endpoint).iam,
      emulator.moto,
      Array.from({ length: 30 }, (_, i) => ({
        name: `token-${i}`,
        console: true,
        mfa: ['hardware-totp'] as const,
      })),
    );
    emulator.proxy.setRule(({ action }) =>
      action === 'ListMFADevices'
        ? { respond: { status: 400, body: awsErrorXml('InvalidInput', 'The request was rejected') } }
        : undefined,
    );
    const error = await readBulkInventory(testClients(emulator.proxy.endpoint), {
      ...fastReport,
      concurrency: 2,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'other', action: 'iam:ListMFADevices' });
    // The two reads under way when the first failed may finish; nothing after them starts.
    expect(emulator.proxy.seen.get('ListMFADevices')).toBeLessThanOrEqual(2);
  });

  it('records a user AWS refuses to show, and reads the others', async () => {
    await seedUsers(testClients(emulator.moto.endpoint).iam, emulator.moto, [
      { name: 'guarded', console: true, mfa: ['hardware-totp'] },
      { name: 'open', console: true, mfa: ['hardware-totp'] },
    ]);
    emulator.proxy.setRule(({ action, params }) =>
      params.get('UserName') === 'guarded' ? { respond: accessDenied(action) } : undefined,
    );
    const inventory = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport);
    expect(inventory.users.map((u) => u.userName)).toEqual(['open']);
    expect(inventory.source.usersUnreadable).toEqual([
      {
        userName: 'guarded',
        reason:
          'access denied to iam:ListMFADevices: the identity running awssec needs the permission iam:ListMFADevices (awssec iam-mfa policy --operator COMMAND prints the policy each command needs)',
      },
    ]);
  });

  it('names the call and the permission AWS refused', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GetAccountAuthorizationDetails' ? { respond: accessDenied(action) } : undefined,
    );
    const error = await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as Error).message).toBe(
      'access denied to iam:GetAccountAuthorizationDetails: the identity running awssec needs the permission iam:GetAccountAuthorizationDetails (awssec iam-mfa policy --operator COMMAND prints the policy each command needs)',
    );
  });
});

describe('the RequireMFA policy', () => {
  const arn = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;
  const read = async () =>
    (await readBulkInventory(testClients(emulator.proxy.endpoint), fastReport)).account;

  it('is missing, canonical or tampered, with the default version read', async () => {
    expect((await read()).requireMfaPolicy).toEqual({ arn, status: 'missing' });
    const { iam } = testClients(emulator.moto.endpoint);
    await createTamperedRequireMfa(iam, requireMfaPolicy);
    expect((await read()).requireMfaPolicy).toEqual({ arn, status: 'canonical', defaultVersionId: 'v1' });
    await swapRequireMfaDefaultVersion(iam);
    expect((await read()).requireMfaPolicy).toEqual({ arn, status: 'tampered', defaultVersionId: 'v2' });
  });

  it('is reported unreadable, not a failure, when the run may not read policies', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'GetPolicy' ? { respond: accessDenied('GetPolicy') } : undefined,
    );
    expect((await read()).requireMfaPolicy).toEqual({ arn, status: 'unreadable' });
  });
});

describe('permissions', () => {
  it('calls exactly the actions the README lists, for each source', async () => {
    await seedUsers(testClients(emulator.moto.endpoint).iam, emulator.moto, [
      { name: 'token.user', console: true, mfa: ['hardware-totp'] },
      { name: 'keys.user', accessKeys: ['active'] },
      { name: 'newer.user', console: true, accessKeys: ['active'] },
    ]);
    await createTamperedRequireMfa(testClients(emulator.moto.endpoint).iam, requireMfaPolicy);
    // newer.user's row is dropped, as for a user created after the report.
    emulator.proxy.setRule(({ action }) =>
      action === 'GetCredentialReport'
        ? { rewrite: rewriteCredentialReport((csv) => csv.replace(/^newer\.user,.*\n/m, '')) }
        : undefined,
    );
    const calledBy = async (read: typeof readBulkInventory) => {
      const clients = testClients(emulator.proxy.endpoint);
      const iamCalls = countCalls(clients.iam);
      await read(clients, fastReport);
      return [...iamCalls.keys()].map((operation) => `iam:${operation}`).sort();
    };
    expect(await calledBy(readBulkInventory)).toEqual(actionsOf(BULK_REPORT_PERMISSIONS).sort());
    expect(await calledBy(readLiveInventory)).toEqual(actionsOf(LIVE_REPORT_PERMISSIONS).sort());
  });
});

describe('live user facts', () => {
  it('returns undefined for a user that does not exist', async () => {
    const { iam } = testClients(emulator.moto.endpoint);
    expect(await readUserLive(iam, 'nobody')).toBeUndefined();
  });
});

function kinds(user: UserFacts | undefined): string[] {
  return (user?.mfaDevices ?? []).map((d) => d.kind).sort();
}
