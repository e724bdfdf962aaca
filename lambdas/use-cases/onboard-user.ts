import type { IAMClient } from '@aws-sdk/client-iam';
import type { SESClient } from '@aws-sdk/client-ses';
import type { STSClient } from '@aws-sdk/client-sts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import {
  createRequireMfaPolicy,
  performAction,
  readUsableRequireMfaPolicy,
  readUserTags,
  requireMfaPolicyArn,
} from '../aws/iam-enforcer.ts';
import { sendMail } from '../aws/messaging.ts';
import { exemptionOf } from '../core/assessment.ts';
import { mfaSetupMail, recipientFor } from '../core/messages.ts';
import { createUserSelector, patternMatcher } from '../core/user-selection.ts';

export interface OnboardingSettings {
  /** SES-verified sender; empty: no mail. */
  readonly senderEmail: string;
  readonly emailDomain: string;
  readonly excludeUsers: readonly string[];
  /** Break-glass names or patterns: never acted on. */
  readonly breakGlass: readonly string[];
  readonly gracePeriodDays: number;
}

export interface OnboardingClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  readonly ses: SESClient;
}

export interface OnboardingResult {
  readonly userName: string;
  readonly outcome: 'require-mfa-attached' | 'exempted' | 'user-gone';
  /** Why the user is exempt: the pattern or the tag's reason. */
  readonly exemption?: string | undefined;
  readonly mail: 'sent' | 'no-sender' | 'no-address' | 'not-needed';
  readonly recipient?: string | undefined;
}

/**
 * A new user: attach RequireMFA (creating the policy on first need) unless
 * the user is exempt, then mail the MFA set-up steps. Every step is safe to
 * repeat, so a retried invocation finishes what the first one started.
 */
export async function onboardUser(
  userName: string,
  settings: OnboardingSettings,
  clients: OnboardingClients,
): Promise<OnboardingResult> {
  const user = await readUserTags(clients.iam, userName);
  if (user === undefined) return { userName, outcome: 'user-gone', mail: 'not-needed' };
  const breakGlass = patternMatcher(settings.breakGlass)(userName);
  const exemption =
    breakGlass !== undefined
      ? `break-glass user (${breakGlass}): never acted on`
      : exemptionOf(
          { userName, tags: user.tags },
          createUserSelector({ include: [], exclude: settings.excludeUsers }),
        );
  if (exemption !== undefined) return { userName, outcome: 'exempted', exemption, mail: 'not-needed' };

  const caller = await readCallerIdentity(clients.sts);
  const policyArn = requireMfaPolicyArn(caller);
  if ((await readUsableRequireMfaPolicy(clients.iam, policyArn)) === 'missing') {
    await createRequireMfaPolicy(clients.iam);
  }
  await performAction(clients.iam, userName, { kind: 'attach-require-mfa' }, policyArn);

  const recipient = recipientFor(userName, user.tags, settings.emailDomain);
  if (settings.senderEmail === '')
    return { userName, outcome: 'require-mfa-attached', mail: 'no-sender', recipient };
  if (recipient === undefined) return { userName, outcome: 'require-mfa-attached', mail: 'no-address' };
  await sendMail(clients.ses, {
    from: settings.senderEmail,
    to: recipient,
    message: mfaSetupMail({
      userName,
      accountId: caller.accountId,
      gracePeriodDays: settings.gracePeriodDays,
    }),
  });
  return { userName, outcome: 'require-mfa-attached', mail: 'sent', recipient };
}
