import {
  AttachUserPolicyCommand,
  DeleteLoginProfileCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  type IAMClient,
  paginateListAttachedUserPolicies,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { EnforcementAction, LiveUserState, RestoreAction } from '../core/enforcement.ts';
import { awsCall, isNoSuchEntity } from './aws-call-error.ts';
import { readUserLive, tagRecord } from './iam-inventory.ts';

/**
 * One user as enforcement must see it: read now, with whether RequireMFA is
 * attached. Undefined when the user does not exist (any more).
 */
export async function readLiveUserState(
  iam: IAMClient,
  userName: string,
  policyArn: string,
): Promise<LiveUserState | undefined> {
  try {
    const [facts, requireMfaAttached] = await Promise.all([
      readUserLive(iam, userName),
      awsCall('iam:ListAttachedUserPolicies', async () => {
        for await (const page of paginateListAttachedUserPolicies({ client: iam }, { UserName: userName })) {
          if ((page.AttachedPolicies ?? []).some((policy) => policy.PolicyArn === policyArn)) return true;
        }
        return false;
      }),
    ]);
    return facts === undefined ? undefined : { facts, requireMfaAttached };
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

/** Carries out one enforcement or restore action on the user. */
export async function performAction(
  iam: IAMClient,
  userName: string,
  action: EnforcementAction | RestoreAction,
  policyArn: string,
): Promise<void> {
  const UserName = userName;
  switch (action.kind) {
    case 'disable-access-key':
    case 'enable-access-key':
      await awsCall('iam:UpdateAccessKey', () =>
        iam.send(
          new UpdateAccessKeyCommand({
            UserName,
            AccessKeyId: action.accessKeyId,
            Status: action.kind === 'disable-access-key' ? 'Inactive' : 'Active',
          }),
        ),
      );
      return;
    case 'attach-require-mfa':
      await awsCall('iam:AttachUserPolicy', () =>
        iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn: policyArn })),
      );
      return;
    case 'detach-require-mfa':
      await awsCall('iam:DetachUserPolicy', () =>
        iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn: policyArn })),
      );
      return;
    case 'delete-login-profile':
      await awsCall('iam:DeleteLoginProfile', () => iam.send(new DeleteLoginProfileCommand({ UserName })));
      return;
    case 'remove-enforcement-tags':
      await awsCall('iam:UntagUser', () =>
        iam.send(new UntagUserCommand({ UserName, TagKeys: [...action.tagKeys] })),
      );
      return;
  }
}

/** A user's ARN and tags (GetUser), or undefined when there is no such user. */
export async function readUserTags(
  iam: IAMClient,
  userName: string,
): Promise<{ arn: string; tags: Record<string, string> } | undefined> {
  try {
    const { User } = await awsCall('iam:GetUser', () => iam.send(new GetUserCommand({ UserName: userName })));
    return {
      arn: User?.Arn ?? '',
      tags: tagRecord(User?.Tags),
    };
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

export async function tagUser(
  iam: IAMClient,
  userName: string,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  if (Tags.length === 0) return;
  await awsCall('iam:TagUser', () => iam.send(new TagUserCommand({ UserName: userName, Tags })));
}
