import { type FUNCTION_ENV, NIGHTLY_MODES } from '../function-contract.ts';
import {
  booleanValue,
  choiceValue,
  type HandlerLogger,
  type MetricsSink,
  patternListValue,
  rangedValue,
  requiredValue,
} from '../handler-support.ts';
import {
  type NightlyClients,
  type NightlyResult,
  type NightlySettings,
  nightlyCounts,
  nightlyFigures,
  requireMfaUntrusted,
  runNightly,
} from '../use-cases/nightly-run.ts';

/**
 * The scheduled run: report, warn, enforce as configured (see runNightly),
 * then the night's figures as CloudWatch metrics. A failure is thrown, so
 * Lambda retries the run; every step of it is safe to repeat.
 */
export function createNightlyHandler(deps: {
  settings: NightlySettings;
  clients: NightlyClients;
  logger: HandlerLogger;
  metrics: MetricsSink;
  now?: () => Date;
}) {
  return async (event: unknown): Promise<NightlyResult> => {
    const eventId =
      typeof event === 'object' && event !== null && 'id' in event ? String(event.id) : 'unknown';
    const result = await runNightly(deps.settings, deps.clients, deps.now?.() ?? new Date());
    const { summary } = result.report;
    const figures = nightlyFigures(nightlyCounts(result));
    for (const [name, unit, value] of figures) deps.metrics.addMetric(name, unit, value);
    deps.metrics.publishStoredMetrics();
    deps.logger.info('nightly run done', {
      eventId,
      mode: result.mode,
      reportKeys: result.reportKeys,
      summary,
      warned: result.warnings.length,
      enforcement: result.enforcement?.summary.by_outcome,
      enforcementRefused: result.enforcementRefused,
    });
    if (requireMfaUntrusted(result.report)) {
      deps.logger.error(
        'RequireMFA is not the canonical document: nothing is attached until it is repaired',
        {
          eventId,
          policy: result.report.account.require_mfa_policy,
        },
      );
    }
    if (result.usersAtTagQuota.length > 0) {
      deps.logger.warn("users at IAM's tag quota: their records are kept in the report bucket", {
        eventId,
        users: result.usersAtTagQuota,
      });
    }
    if (result.enforcementRefused !== undefined) {
      deps.logger.error('enforcement refused by a guard', { eventId, reason: result.enforcementRefused });
    }
    return result;
  };
}

/** The nightly run's settings from its environment variables (FUNCTION_ENV.nightly); a bad one fails the cold start. */
export function nightlySettingsFrom(
  env: Record<(typeof FUNCTION_ENV.nightly)[number], string>,
): NightlySettings {
  return {
    mode: choiceValue('MODE', env.MODE, NIGHTLY_MODES),
    apply: booleanValue('APPLY', env.APPLY),
    gracePeriodDays: rangedValue('GRACE_PERIOD_DAYS', env.GRACE_PERIOD_DAYS, 'gracePeriodDays'),
    warningDays: rangedValue('WARNING_DAYS', env.WARNING_DAYS, 'warningDays'),
    excludeUsers: patternListValue('EXCLUDE_USERS', env.EXCLUDE_USERS),
    breakGlass: patternListValue('BREAK_GLASS', env.BREAK_GLASS),
    maxUsers: rangedValue('MAX_USERS', env.MAX_USERS, 'maxUsers'),
    maxPercent: rangedValue('MAX_PERCENT', env.MAX_PERCENT, 'maxPercent'),
    disableConsoleAccess: booleanValue('DISABLE_CONSOLE_ACCESS', env.DISABLE_CONSOLE_ACCESS),
    reportBucket: requiredValue('REPORT_BUCKET', env.REPORT_BUCKET),
    topicArn: requiredValue('TOPIC_ARN', env.TOPIC_ARN),
    senderEmail: env.SENDER_EMAIL,
    emailDomain: env.EMAIL_DOMAIN,
    securityHub: booleanValue('SECURITY_HUB', env.SECURITY_HUB),
  };
}
