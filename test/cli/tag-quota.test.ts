/**
 * A user with IAM's 50 tags has no room for the tool's record. moto does not
 * enforce the quota (TagUser takes a 51st tag), so the tool must see it from
 * the tags it read, and the proxy answers LimitExceeded as IAM does when it
 * is reached in between.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { RestoreRun } from '../../lambdas/use-cases/restore-user.ts';
import { allTestClients, TEST_ACCOUNT_ID, testClientSettings } from '../support/aws.ts';
import { awsErrorXml } from '../support/aws-proxy.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';

const BUCKET = 'audit-records';
const RECORD_KEY = `records/${TEST_ACCOUNT_ID}/full.tags.json`;
const tagsOf = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ Key: `team-tag-${i}`, Value: 'x' }));

let iam: IAMClient;
let s3: S3Client;
let fullKey: string;
let nearlyFullKey: string;

const emulator = useMoto(
  async (moto) => {
    ({ iam, s3 } = allTestClients(moto.endpoint));
    await moto.setClockOffset(-400 * 86_400);
    try {
      await iam.send(new CreateUserCommand({ UserName: 'full.tags', Tags: tagsOf(50) }));
      await iam.send(new CreateUserCommand({ UserName: 'nearly.full', Tags: tagsOf(40) }));
      fullKey =
        (await iam.send(new CreateAccessKeyCommand({ UserName: 'full.tags' }))).AccessKey?.AccessKeyId ?? '';
      nearlyFullKey =
        (await iam.send(new CreateAccessKeyCommand({ UserName: 'nearly.full' }))).AccessKey?.AccessKeyId ??
        '';
    } finally {
      await moto.setClockOffset(0);
    }
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  },
  { reseedOnlyAfterChanges: true },
);

const awssec = (args: string[]) =>
  runAwssec(['iam-mfa', ...args], testClientSettings(emulator.proxy.endpoint));

async function enforce(args: string[]) {
  const result = await awssec(['enforce', '-o', 'json', '--source', 'live', ...args]);
  const run = JSON.parse(result.stdout) as EnforcementRun;
  return { ...result, run, user: (name: string) => run.users.find((u) => u.username === name) };
}

async function keyStatus(userName: string): Promise<string | undefined> {
  const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return AccessKeyMetadata?.[0]?.Status;
}

async function attached(userName: string): Promise<string[]> {
  const { AttachedPolicies } = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
  return (AttachedPolicies ?? []).map((p) => p.PolicyName ?? '');
}

async function tagCount(userName: string): Promise<number> {
  return (await iam.send(new ListUserTagsCommand({ UserName: userName }))).Tags?.length ?? 0;
}

async function storedRecord(): Promise<Record<string, unknown> | undefined> {
  const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'records/' }));
  if ((Contents ?? []).length === 0) return undefined;
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: RECORD_KEY }));
  return JSON.parse((await object.Body?.transformToString()) ?? '{}');
}

const writesTo = (userName: string) =>
  emulator.proxy.forwarded.filter(
    (request) =>
      request.params.get('UserName') === userName &&
      ['TagUser', 'UpdateAccessKey', 'AttachUserPolicy', 'DeleteLoginProfile'].includes(request.action),
  );

describe('a user at the tag quota', () => {
  it('is not acted on without a record store: said in the plan and the run, exit 1', async () => {
    const planned = await enforce(['--include-users', 'full.tags']);
    expect(planned.user('full.tags')).toMatchObject({ outcome: 'cannot-record', recorded_in: null });
    const { code, user, stderr } = await enforce(['--include-users', 'full.tags', '--apply']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(user('full.tags')).toMatchObject({
      outcome: 'cannot-record',
      justification:
        "cannot record: tag quota (full.tags has IAM's 50 tags, and a record store was not given): not acted on; give a record bucket (--record-bucket) to keep the record in S3, or remove a tag from the user",
    });
    expect(user('full.tags')?.actions.every((a) => a.result === 'not-run')).toBe(true);
    expect(writesTo('full.tags')).toEqual([]);
    expect(await keyStatus('full.tags')).toBe('Active');
  });

  it('is acted on with a record bucket, the record kept there and the tags untouched', async () => {
    const { code, user, run } = await enforce([
      '--include-users',
      'full.tags',
      '--apply',
      '--record-bucket',
      BUCKET,
    ]);
    expect(code).toBe(0);
    expect(run.settings.record_store).toBe(`s3://${BUCKET}/records/${TEST_ACCOUNT_ID}/`);
    expect(user('full.tags')).toMatchObject({
      outcome: 'enforced',
      recorded_in: `s3://${BUCKET}/${RECORD_KEY}`,
    });
    expect(await keyStatus('full.tags')).toBe('Inactive');
    expect(await attached('full.tags')).toEqual(['RequireMFA']);
    expect(await tagCount('full.tags')).toBe(50);
    expect(writesTo('full.tags').map((w) => w.action)).toEqual(['UpdateAccessKey', 'AttachUserPolicy']);
    expect(await storedRecord()).toMatchObject({
      schema: 1,
      account_id: TEST_ACCOUNT_ID,
      username: 'full.tags',
      user_id: expect.any(String),
      tags: {
        'awssec:mfa-enforced-at': expect.any(String),
        'awssec:mfa-disabled-keys': expect.stringMatching(new RegExp(`^${fullKey}@`)),
        'awssec:mfa-policy-attached-at': expect.any(String),
      },
    });

    // restore finds the record in the bucket, undoes it, and removes the record.
    const hint = await awssec(['restore', '--user', 'full.tags']);
    expect(hint.stdout).toContain('nothing to restore');
    expect(hint.stdout).toContain(
      "full.tags has IAM's 50 tags, so enforce may have kept its record in a record bucket: give it with --record-bucket.",
    );
    const restored = await awssec([
      'restore',
      '--user',
      'full.tags',
      '--record-bucket',
      BUCKET,
      '--apply',
      '-o',
      'json',
    ]);
    expect(restored.code).toBe(0);
    expect((JSON.parse(restored.stdout) as RestoreRun).outcome).toBe('restored');
    expect(await keyStatus('full.tags')).toBe('Active');
    expect(await attached('full.tags')).toEqual([]);
    expect(await storedRecord()).toBeUndefined();
  });

  it('falls back to the record bucket when IAM refuses the tags with LimitExceeded', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'TagUser' && params.get('UserName') === 'nearly.full'
        ? {
            respond: {
              status: 409,
              body: awsErrorXml('LimitExceeded', 'Cannot exceed quota for TagsPerUser: 50'),
            },
          }
        : undefined,
    );
    const { code, user } = await enforce([
      '--include-users',
      'nearly.full',
      '--apply',
      '--record-bucket',
      BUCKET,
    ]);
    expect(code).toBe(0);
    expect(user('nearly.full')).toMatchObject({
      outcome: 'enforced',
      recorded_in: `s3://${BUCKET}/records/${TEST_ACCOUNT_ID}/nearly.full.json`,
    });
    expect(await keyStatus('nearly.full')).toBe('Inactive');
    expect(nearlyFullKey).not.toBe('');
  });

  it('refuses a record bucket that is not a bucket name, before any AWS call', async () => {
    const { code, stderr } = await awssec(['enforce', '--record-bucket', 'Not_A_Bucket']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "awssec: recordBucket: 'Not_A_Bucket' is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)\n",
    );
    expect(emulator.proxy.seen.size).toBe(0);
  });
});
