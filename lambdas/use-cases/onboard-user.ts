import type { IAMClient } from '@aws-sdk/client-iam';
import type { SESClient } from '@aws-sdk/client-ses';
import type { STSClient } from '@aws-sdk/client-sts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import { performAction, readUserTags } from '../aws/iam-enforcer.ts';
import { sendMail } from '../aws/mail.ts';
import { ensureTrustedRequireMfaPolicy, UntrustedPolicyError } from '../aws/require-mfa-policy.ts';
import { exemptionOf } from '../core/assessment.ts';
import { mfaSetupMail, recipientFor } from '../core/messages.ts';
import { requireMfaPolicyArn } from '../core/policy-integrity.ts';
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
  /** `policy-untrusted`: RequireMFA is not the canonical document, so it was not attached (the mail still goes). */
  readonly outcome: 'require-mfa-attached' | 'policy-untrusted' | 'exempted' | 'user-gone';
  /** Why RequireMFA was not attached, and how to repair it; set with `policy-untrusted`. */
  readonly policyProblem?: string | undefined;
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
  let attached: Pick<OnboardingResult, 'outcome' | 'policyProblem'>;
  try {
    await ensureTrustedRequireMfaPolicy(clients.iam, policyArn);
    await performAction(clients.iam, userName, { kind: 'attach-require-mfa' }, policyArn);
    attached = { outcome: 'require-mfa-attached' };
  } catch (error) {
    // Retrying cannot help until someone repairs the policy; the handler logs it, counts it and alarms.
    if (!(error instanceof UntrustedPolicyError)) throw error;
    attached = { outcome: 'policy-untrusted', policyProblem: error.message };
  }

  const recipient = recipientFor(userName, user.tags, settings.emailDomain);
  if (settings.senderEmail === '') return { userName, ...attached, mail: 'no-sender', recipient };
  if (recipient === undefined) return { userName, ...attached, mail: 'no-address' };
  await sendMail(clients.ses, {
    from: settings.senderEmail,
    to: recipient,
    message: mfaSetupMail({
      userName,
      accountId: caller.accountId,
      gracePeriodDays: settings.gracePeriodDays,
    }),
  });
  return { userName, ...attached, mail: 'sent', recipient };
}
