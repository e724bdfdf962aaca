import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  DeleteLoginProfileCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  type IAMClient,
  paginateListAttachedUserPolicies,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { enforcesMfa } from '../core/account-findings.ts';
import type { EnforcementAction, LiveUserState, RestoreAction } from '../core/enforcement.ts';
import { REQUIRE_MFA_POLICY_NAME, requireMfaPolicy } from '../core/policies.ts';
import { awsCall, awsErrorName, isNoSuchEntity } from './aws-call-error.ts';
import type { CallerIdentity } from './caller-identity.ts';
import { parsePolicyDocument, readUserLive, tagRecord } from './iam-inventory.ts';

export function requireMfaPolicyArn(caller: CallerIdentity): string {
  return `arn:${caller.partition}:iam::${caller.accountId}:policy/${REQUIRE_MFA_POLICY_NAME}`;
}

export type RequireMfaPolicyState =
  | { readonly state: 'missing' }
  | { readonly state: 'present'; readonly enforcesMfa: boolean };

/** Whether the customer-managed RequireMFA policy exists, and whether its default version denies without MFA. */
export async function readRequireMfaPolicy(
  iam: IAMClient,
  policyArn: string,
): Promise<RequireMfaPolicyState> {
  try {
    const { Policy } = await awsCall('iam:GetPolicy', () =>
      iam.send(new GetPolicyCommand({ PolicyArn: policyArn })),
    );
    const { PolicyVersion } = await awsCall('iam:GetPolicyVersion', () =>
      iam.send(
        new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: Policy?.DefaultVersionId ?? 'v1' }),
      ),
    );
    return {
      state: 'present',
      enforcesMfa: enforcesMfa(parsePolicyDocument(PolicyVersion?.Document ?? '{}')),
    };
  } catch (error) {
    if (isNoSuchEntity(error)) return { state: 'missing' };
    throw error;
  }
}

/** A policy named RequireMFA exists and does not deny without MFA: attaching it would protect nobody. */
export class MisconfiguredPolicyError extends Error {
  override readonly name = 'MisconfiguredPolicyError';
}

/** Whether RequireMFA exists; throws MisconfiguredPolicyError when it exists but does not require MFA. */
export async function readUsableRequireMfaPolicy(
  iam: IAMClient,
  policyArn: string,
): Promise<'present' | 'missing'> {
  const policy = await readRequireMfaPolicy(iam, policyArn);
  if (policy.state === 'present' && !policy.enforcesMfa) {
    throw new MisconfiguredPolicyError(
      `the managed policy ${policyArn} exists but does not deny access without MFA; fix or rename it, then run again`,
    );
  }
  return policy.state;
}

/** Creates RequireMFA; another run creating it at the same moment is as good. */
export async function createRequireMfaPolicy(iam: IAMClient): Promise<void> {
  try {
    await awsCall('iam:CreatePolicy', () =>
      iam.send(
        new CreatePolicyCommand({
          PolicyName: REQUIRE_MFA_POLICY_NAME,
          PolicyDocument: JSON.stringify(requireMfaPolicy),
          Description:
            'awssec iam-mfa: denies everything but setting up MFA until the user signs in with MFA',
        }),
      ),
    );
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    if (awsErrorName(cause) !== 'EntityAlreadyExistsException') throw error;
  }
}

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
