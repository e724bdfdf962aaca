import { describeRange, numberInRange, type RangedOption } from './core/option-ranges.ts';
import { parsePatternList } from './core/user-selection.ts';
import type { MetricName } from './function-contract.ts';

/**
 * What the three handlers share: reading their environment at cold start
 * (a missing or bad setting fails the cold start, naming the variable), the
 * logging and metrics they need. Each handler module builds its settings and
 * its SDK clients (with awsClientConfig's retry settings; only the clients it
 * uses, since loading a client costs cold-start time) and hands them to a
 * factory, which is what the tests call with their own.
 */

/** What a handler logs with: Powertools' Logger in Lambda, a recorder in tests. */
export interface HandlerLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/** What the nightly handler publishes metrics with: Powertools' Metrics in Lambda. */
export interface MetricsSink {
  addMetric(name: MetricName, unit: 'Count' | 'Percent', value: number): unknown;
  publishStoredMetrics(): void;
}

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** The variables, each of which must be set (an empty value is allowed: it means "not configured"). */
export function readEnvironment<const N extends string>(
  names: readonly N[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<N, string> {
  const missing = names.filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    throw new EnvironmentError(
      `missing environment variable${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: the stack sets ${missing.length === 1 ? 'it' : 'them'}; redeploy, or set ${missing.length === 1 ? 'it' : 'them'} on the function`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, (env[name] ?? '').trim()])) as Record<N, string>;
}

export function requiredValue(name: string, value: string): string {
  if (value === '')
    throw new EnvironmentError(`environment variable ${name} is empty: the function cannot work without it`);
  return value;
}

/** The account a function serves: 12 digits, as the stack sets it. */
export function accountIdValue(name: string, value: string): string {
  if (!/^\d{12}$/.test(value)) {
    throw new EnvironmentError(
      `environment variable ${name} is '${value}': give the 12-digit id of the account the function serves`,
    );
  }
  return value;
}

/** `o-…`, or undefined when empty (single-account mode); anything else fails the cold start. */
export function organizationIdValue(name: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^o-[a-z0-9]{10,32}$/.test(value)) {
    throw new EnvironmentError(
      `environment variable ${name} is '${value}': give the organization's id (o-…), or leave it empty for one account`,
    );
  }
  return value;
}

/** A number within the option's range (lambdas/core/option-ranges.ts), as plain decimal text. */
export function rangedValue(name: string, value: string, option: RangedOption): number {
  const number = numberInRange(option, value);
  if (number === undefined) {
    throw new EnvironmentError(`environment variable ${name} is '${value}': give ${describeRange(option)}`);
  }
  return number;
}

export function booleanValue(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  throw new EnvironmentError(`environment variable ${name} is '${value}': give true or false`);
}

/** Names or patterns, comma-separated; '' is what the stack writes for none. An empty item is refused. */
export function patternListValue(name: string, value: string): string[] {
  if (value === '') return [];
  try {
    return parsePatternList(value);
  } catch (error) {
    throw new EnvironmentError(`environment variable ${name}: ${(error as Error).message}`);
  }
}

export function choiceValue<const C extends string>(name: string, value: string, choices: readonly C[]): C {
  if (!(choices as readonly string[]).includes(value)) {
    throw new EnvironmentError(
      `environment variable ${name} is '${value}': give one of ${choices.join(', ')}`,
    );
  }
  return value as C;
}
