import type { HandlerLogger, MetricsSink } from '../handler-support.ts';
import {
  type NightlyClients,
  type NightlyResult,
  type NightlySettings,
  nightlyFigures,
  requireMfaUntrusted,
  runNightly,
  securityHubFindingsNotImported,
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
    const figures = nightlyFigures({
      summary,
      account: result.report.account,
      warned: result.warnings.filter((w) => w.mail !== 'failed').length,
      enforced: result.enforcement?.summary.by_outcome.enforced ?? 0,
      enforcementFailures: result.enforcement?.summary.by_outcome.failed ?? 0,
      usersAtTagQuota: result.usersAtTagQuota.length,
      securityHubNotImported:
        result.securityHub === undefined ? undefined : securityHubFindingsNotImported(result.securityHub),
    });
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
