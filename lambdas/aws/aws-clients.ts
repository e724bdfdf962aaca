import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import {
  type ConcurrencyGate,
  type ConcurrencyGateSettings,
  createConcurrencyGate,
} from '../core/concurrency-gate.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './client-timeouts.ts';

/**
 * How the tool reaches AWS. Everything is optional: by default the SDK's own
 * chain applies (AWS_PROFILE, AWS_ACCESS_KEY_ID…, AWS_ENDPOINT_URL_IAM,
 * AWS_ENDPOINT_URL), and IAM, which is global, is signed for us-east-1 unless
 * AWS_REGION names another partition's region.
 */
export interface AwsClientSettings {
  /** @default AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1 */
  readonly region?: string | undefined;
  /** @default the SDK's: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then AWS */
  readonly endpoint?: string | undefined;
  /** @default the SDK's default credential chain */
  readonly credentials?: IAMClientConfig['credentials'];
  /** Attempts per call, retries of throttled and failed calls included. @default 10 */
  readonly maxAttempts?: number | undefined;
  /** How long a connection may take to open. @default 5000 */
  readonly connectTimeoutMs?: number | undefined;
  /** How long one call (request and response) may take before it is abandoned and retried. @default 30000 */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Your own retry strategy, in place of the SDK's standard one with
   * `maxAttempts`: the tests use one that backs off for milliseconds, not
   * seconds, so a throttling storm is quick to replay.
   */
  readonly retryStrategy?: IAMClientConfig['retryStrategy'];
}

export const DEFAULT_MAX_ATTEMPTS = 10;

export function awsClientConfig(settings: AwsClientSettings = {}) {
  return {
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // Without these an endpoint that accepts a connection and never answers holds a call forever.
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    // Standard: exponential back-off with jitter on throttling and 5xx. (Adaptive mode drops a
    // client to half a call a second after its first throttle, which starves a large run.)
    retryMode: 'standard',
    ...(settings.retryStrategy === undefined ? {} : { retryStrategy: settings.retryStrategy }),
  };
}

/**
 * Calls that got no answer at all (refused, unreachable, unknown host, timed
 * out) are retried at most this many times, and not past this long: the SDK
 * would otherwise try ten times with back-off, minutes against a dead
 * endpoint. Throttling and 5xx answers keep the full retries.
 */
export const NETWORK_RETRY_BUDGET = { attempts: 3, ms: 12_000 } as const;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * The call never reached AWS, or never got its answer, within the budget.
 * It carries neither a `code` nor a `cause`: the SDK retries an error whose
 * code, or whose cause's code, says "transient".
 */
export class NetworkBudgetError extends Error {
  override readonly name = 'NetworkBudgetError';
  /** What the network said the last time: `ECONNREFUSED`, `TimeoutError`, … */
  readonly networkCode: string;
  constructor(last: Error & { code?: string }) {
    super(last.message);
    this.networkCode = last.code ?? last.name;
  }
}

function isNetworkFailure(error: unknown): error is Error & { code?: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || error.name === 'TimeoutError';
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: Record<string, unknown>,
) => (args: unknown) => Promise<unknown>;

/** What the middlewares need of a client of any service. */
interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      middleware: Middleware,
      options: { step: 'initialize' | 'finalizeRequest'; priority?: 'low'; name: string },
    ): void;
  };
}

/**
 * Adds the network budget to a client: each attempt of a call passes
 * through (below the SDK's retries), and once a call has failed on the
 * network NETWORK_RETRY_BUDGET.attempts times, or for longer than its time,
 * the failure is handed up as one the SDK does not retry.
 */
export function withNetworkBudget<C>(client: C): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      const started = (context.awssecStarted as number | undefined) ?? Date.now();
      context.awssecStarted = started;
      try {
        return await next(args);
      } catch (error) {
        if (!isNetworkFailure(error)) throw error;
        const failures = ((context.awssecNetworkFailures as number | undefined) ?? 0) + 1;
        context.awssecNetworkFailures = failures;
        if (failures >= NETWORK_RETRY_BUDGET.attempts || Date.now() - started >= NETWORK_RETRY_BUDGET.ms) {
          throw new NetworkBudgetError(error);
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'awssecNetworkBudget' },
  );
  return client;
}

/**
 * Each operation of a client starts with this many calls under way at once,
 * and finds its own number between the bounds as AWS answers: IAM publishes
 * no rate, and throttles each action on its own.
 */
export const OPERATION_CONCURRENCY: ConcurrencyGateSettings = { initial: 4, min: 1, max: 64 };

/** The error codes with which AWS says to slow down (LimitExceeded is a quota in IAM, not a rate). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLING_CODES.has(error.name) || status === 429;
}

/**
 * Adds a concurrency gate per operation to a client: a caller may start as
 * many calls as it likes; each operation has as many under way at once as AWS
 * takes without throttling, half as many after a throttle, more after each
 * round of answers. A call holds its place through its retries and their
 * back-off, so that the calls waiting to be retried stay few: each holds a
 * share of the SDK's retry quota, and a crowd of them would empty it and
 * fail calls that a pause would have saved. The SDK's own adaptive mode
 * limits the client as a whole by rate, and starves a run whose first
 * throttle comes early.
 */
export function withOperationGates<C>(client: C, settings = OPERATION_CONCURRENCY): C {
  const gates = new Map<string, ConcurrencyGate>();
  const stack = (client as unknown as MiddlewareClient).middlewareStack;
  // Above the retries: one place per call, from its first attempt to its last.
  stack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '');
      let gate = gates.get(operation);
      if (gate === undefined) {
        gate = createConcurrencyGate(settings);
        gates.set(operation, gate);
      }
      const ticket = await gate.acquire();
      try {
        return await next(args);
      } finally {
        ticket.release(context.awssecThrottled === true);
      }
    },
    { step: 'initialize', name: 'awssecOperationGates' },
  );
  // Below the retries: sees each attempt's answer.
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) context.awssecThrottled = true;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'awssecThrottleSeen' },
  );
  return client;
}

/** A client of any AWS service with the tool's settings: timeouts, retries, the network budget, the gates. */
export function awsClient<C>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  settings?: AwsClientSettings,
): C {
  return withOperationGates(withNetworkBudget(new Client(awsClientConfig(settings))));
}

export function createIamClient(settings?: AwsClientSettings): IAMClient {
  return awsClient(IAMClient, settings);
}
