import { parseCreateUserEvent } from '../core/cloudtrail-events.ts';
import type { HandlerLogger, MetricsSink } from '../handler-support.ts';
import {
  type OnboardingClients,
  type OnboardingResult,
  type OnboardingSettings,
  onboardUser,
} from '../use-cases/onboard-user.ts';

/**
 * CreateUser → RequireMFA attached and the set-up mail sent. A malformed
 * event, or one of another account (in organization mode: of no member
 * account), is logged with its id and dropped (no IAM write, no retry); an AWS
 * failure is thrown, so EventBridge retries and then parks the event in the
 * dead-letter queue, where the alarm sees it.
 */
export function createOnboardingHandler(deps: {
  settings: OnboardingSettings;
  /** The account this function serves. */
  accountId: string;
  clients: OnboardingClients;
  /**
   * Organization mode: the member accounts' users are onboarded too, through
   * each account's onboarding role; these are its clients.
   */
  memberClients?: ((accountId: string) => Promise<Pick<OnboardingClients, 'iam' | 'sts'>>) | undefined;
  logger: HandlerLogger;
  metrics: MetricsSink;
}) {
  return async (event: unknown): Promise<OnboardingResult | undefined> => {
    const parsed = parseCreateUserEvent(event, deps.accountId, deps.memberClients !== undefined);
    if (!parsed.ok) {
      deps.logger.warn('dropped an event that is not a usable CreateUser call', {
        eventId: parsed.eventId,
        reason: parsed.reason,
      });
      return undefined;
    }
    const { userName, eventId, createdBy, accountId } = parsed.value;
    const clients =
      accountId === deps.accountId || deps.memberClients === undefined
        ? deps.clients
        : { ...deps.clients, ...(await deps.memberClients(accountId)) };
    const result = await onboardUser(userName, deps.settings, clients);
    deps.logger.info('onboarded a new IAM user', { eventId, createdBy, accountId, ...result });
    // Counted every time (0 or 1), so the alarm on it sees data, not gaps.
    const untrusted = result.outcome === 'policy-untrusted';
    deps.metrics.addMetric('RequireMfaPolicyUntrusted', 'Count', untrusted ? 1 : 0);
    deps.metrics.publishStoredMetrics();
    if (untrusted) {
      deps.logger.error('RequireMFA not attached: the policy is not the canonical document', {
        eventId,
        userName,
        problem: result.policyProblem,
      });
    }
    if (result.mail === 'no-sender' || result.mail === 'no-address') {
      deps.logger.warn('no MFA set-up mail sent', {
        eventId,
        userName,
        why:
          result.mail === 'no-sender'
            ? 'no sender configured (senderEmail)'
            : 'no email tag and no email domain',
      });
    }
    return result;
  };
}
