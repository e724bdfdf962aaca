import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type IAMClient,
  paginateListPolicyVersions,
} from '@aws-sdk/client-iam';
import { REQUIRE_MFA_POLICY_NAME, requireMfaPolicy } from '../core/policies.ts';
import {
  parsePolicyDocument,
  type RequireMfaPolicyVerdict,
  requireMfaPolicyVerdict,
  untrustedPolicyMessage,
} from '../core/policy-integrity.ts';
import { awsCall, awsErrorName, isNoSuchEntity } from './aws-call-error.ts';

/** The customer-managed RequireMFA policy as found: missing, or its default version and what it is. */
export type RequireMfaPolicyState =
  | { readonly state: 'missing' }
  | {
      readonly state: 'present';
      readonly verdict: RequireMfaPolicyVerdict;
      readonly defaultVersionId: string;
      /** The default version's document as IAM returned it, for the operator to inspect. */
      readonly document: unknown;
    };

/**
 * A policy named RequireMFA exists and is not the document this tool
 * attaches: attaching it could grant instead of deny. Nothing is attached
 * until it is repaired (a run-time failure, exit code 1).
 */
export class UntrustedPolicyError extends Error {
  override readonly name = 'UntrustedPolicyError';
}

export async function readRequireMfaPolicy(
  iam: IAMClient,
  policyArn: string,
): Promise<RequireMfaPolicyState> {
  try {
    const { Policy } = await awsCall('iam:GetPolicy', () =>
      iam.send(new GetPolicyCommand({ PolicyArn: policyArn })),
    );
    const defaultVersionId = Policy?.DefaultVersionId ?? 'v1';
    const { PolicyVersion } = await awsCall('iam:GetPolicyVersion', () =>
      iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: defaultVersionId })),
    );
    const document = parsePolicyDocument(PolicyVersion?.Document ?? '');
    return { state: 'present', verdict: requireMfaPolicyVerdict(document), defaultVersionId, document };
  } catch (error) {
    if (isNoSuchEntity(error)) return { state: 'missing' };
    throw error;
  }
}

/** Whether RequireMFA exists; throws UntrustedPolicyError when it exists but is not canonical. */
export async function readTrustedRequireMfaPolicy(
  iam: IAMClient,
  policyArn: string,
): Promise<'present' | 'missing'> {
  return trusted(policyArn, await readRequireMfaPolicy(iam, policyArn));
}

function trusted(policyArn: string, policy: RequireMfaPolicyState): 'present' | 'missing' {
  if (policy.state === 'present' && policy.verdict !== 'canonical') {
    throw new UntrustedPolicyError(
      untrustedPolicyMessage(policyArn, policy.verdict, policy.defaultVersionId),
    );
  }
  return policy.state;
}

/**
 * Creates RequireMFA with the canonical document. When another run (or
 * anyone else) created it meanwhile, reads it again: what somebody else
 * created is attached only if it is the canonical document.
 */
export async function createRequireMfaPolicy(iam: IAMClient, policyArn: string): Promise<void> {
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
    if (trusted(policyArn, await readRequireMfaPolicy(iam, policyArn)) === 'missing') {
      // Created and deleted again within the moment: not something to attach blindly.
      throw new UntrustedPolicyError(
        `the managed policy ${policyArn} was created by someone else and is gone again; run again`,
      );
    }
  }
}

/** Makes sure RequireMFA exists and is canonical before it is attached: created on first need, refused if not canonical. */
export async function ensureTrustedRequireMfaPolicy(iam: IAMClient, policyArn: string): Promise<void> {
  if ((await readTrustedRequireMfaPolicy(iam, policyArn)) === 'missing') {
    await createRequireMfaPolicy(iam, policyArn);
  }
}

export interface PolicyVersionFacts {
  readonly versionId: string;
  readonly isDefault: boolean;
  readonly createdAt: Date | undefined;
}

export async function listPolicyVersions(iam: IAMClient, policyArn: string): Promise<PolicyVersionFacts[]> {
  return awsCall('iam:ListPolicyVersions', async () => {
    const versions: PolicyVersionFacts[] = [];
    for await (const page of paginateListPolicyVersions({ client: iam }, { PolicyArn: policyArn })) {
      for (const version of page.Versions ?? []) {
        if (version.VersionId === undefined) continue;
        versions.push({
          versionId: version.VersionId,
          isDefault: version.IsDefaultVersion === true,
          createdAt: version.CreateDate,
        });
      }
    }
    return versions;
  });
}

export async function deletePolicyVersion(
  iam: IAMClient,
  policyArn: string,
  versionId: string,
): Promise<void> {
  await awsCall('iam:DeletePolicyVersion', () =>
    iam.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })),
  );
}

/** A new version holding the canonical document, made the default at once. */
export async function createCanonicalDefaultVersion(iam: IAMClient, policyArn: string): Promise<string> {
  const { PolicyVersion } = await awsCall('iam:CreatePolicyVersion', () =>
    iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policyArn,
        PolicyDocument: JSON.stringify(requireMfaPolicy),
        SetAsDefault: true,
      }),
    ),
  );
  return PolicyVersion?.VersionId ?? '';
}
