import type { MetricName } from '../function-contract.ts';
import type { HandlerLogger, MetricsSink } from '../handler-support.ts';
import {
  type NightlyClients,
  type NightlyResult,
  type NightlySettings,
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
    const figures: [MetricName, 'Count' | 'Percent', number][] = [
      ['UsersTotal', 'Count', summary.total],
      ['UsersCompliant', 'Count', summary.compliant],
      ['UsersNonCompliant', 'Count', summary['non-compliant']],
      ['UsersGracePeriod', 'Count', summary['grace-period']],
      ['UsersExempted', 'Count', summary.exempted],
      ['CompliancePercent', 'Percent', summary.compliance_percent],
      ['ConsoleUsersWithMfaPercent', 'Percent', summary.console_users_with_mfa_percent],
      ['KeyUsersWithMfaPercent', 'Percent', summary.key_users_with_mfa_percent],
      ['RootMfaEnabled', 'Count', result.report.account.root_mfa_enabled ? 1 : 0],
      ['RootHasCredentials', 'Count', result.report.account.root_has_credentials ? 1 : 0],
      ['UsersWarned', 'Count', result.warnings.filter((w) => w.mail !== 'failed').length],
      ['UsersEnforced', 'Count', result.enforcement?.summary.by_outcome.enforced ?? 0],
      ['EnforcementFailures', 'Count', result.enforcement?.summary.by_outcome.failed ?? 0],
      ['RequireMfaPolicyUntrusted', 'Count', requireMfaUntrusted(result.report) ? 1 : 0],
      ['UsersAtTagQuota', 'Count', result.usersAtTagQuota.length],
      ...(result.securityHub === undefined
        ? []
        : [
            [
              'SecurityHubFindingsNotImported',
              'Count',
              securityHubFindingsNotImported(result.securityHub),
            ] as [MetricName, 'Count', number],
          ]),
    ];
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
