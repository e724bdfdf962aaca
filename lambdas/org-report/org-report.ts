import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { METRICS } from '../function-contract.ts';
import type { HandlerLogger, MetricsSink } from '../handler-support.ts';
import { nightlyFigures } from '../use-cases/nightly-run.ts';
import {
  type AccountNightlyResult,
  aggregateOrgNightly,
  type OrgNightlySettings,
} from '../use-cases/org-nightly-run.ts';

/** Powertools' Metrics: request dimensions, cleared at each publishStoredMetrics. */
export interface DimensionedMetricsSink extends MetricsSink {
  addDimension(name: string, value: string): unknown;
}

/** The Map state's results, as the state machine hands them on: `{ results: [...] }`. */
function resultsOf(event: unknown): AccountNightlyResult[] {
  const results =
    typeof event === 'object' && event !== null ? (event as { results?: unknown }).results : undefined;
  if (!Array.isArray(results)) throw new Error('the aggregation step was given no results array');
  return results as AccountNightlyResult[];
}

/**
 * The state machine's last step: the organization's report and summary
 * (aggregateOrgNightly), then the metrics: each assessed account's under
 * its `AccountId`, and the organization's own without it. A failure is
 * thrown: the execution fails, and its alarm tells the security topic.
 */
export function createOrgReportHandler(deps: {
  settings: OrgNightlySettings;
  clients: { readonly s3: S3Client; readonly sns: SNSClient; readonly centralAccountId: string };
  logger: HandlerLogger;
  metrics: DimensionedMetricsSink;
  now?: () => Date;
}) {
  return async (event: unknown): Promise<{ reportKeys: readonly string[]; summary: unknown }> => {
    const run = await aggregateOrgNightly(
      resultsOf(event),
      deps.settings,
      deps.clients,
      deps.now?.() ?? new Date(),
    );
    for (const { accountId, counts } of run.accounts) {
      deps.metrics.addDimension(METRICS.accountDimension, accountId);
      for (const [name, unit, value] of nightlyFigures(counts)) deps.metrics.addMetric(name, unit, value);
      deps.metrics.publishStoredMetrics();
    }
    for (const [name, unit, value] of nightlyFigures(run.counts)) deps.metrics.addMetric(name, unit, value);
    deps.metrics.addMetric('AccountsAssessed', 'Count', run.report.summary.accounts_assessed);
    deps.metrics.addMetric('AccountsNotAssessed', 'Count', run.report.summary.accounts_not_assessed);
    deps.metrics.publishStoredMetrics();
    deps.logger.info('organization nightly run done', {
      reportKeys: run.reportKeys,
      summary: run.report.summary,
    });
    return { reportKeys: run.reportKeys, summary: run.report.summary };
  };
}
