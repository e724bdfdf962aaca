/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV, METRICS } from '../function-contract.ts';
import { readEnvironment } from '../handler-support.ts';
import { nightlyClients } from './clients.ts';
import { createNightlyHandler, nightlySettingsFrom } from './nightly.ts';

const settings = nightlySettingsFrom(readEnvironment(FUNCTION_ENV.nightly));

export const handler = createNightlyHandler({
  settings,
  clients: nightlyClients(settings.securityHub),
  logger: new Logger(),
  metrics: new Metrics({ namespace: METRICS.namespace }),
});
