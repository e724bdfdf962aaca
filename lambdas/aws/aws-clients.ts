import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';

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
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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

interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: Record<string, unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'finalizeRequest'; priority: 'low'; name: string },
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

/** A client of any AWS service with the tool's settings: timeouts, retries, the network budget. */
export function awsClient<C>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  settings?: AwsClientSettings,
): C {
  return withNetworkBudget(new Client(awsClientConfig(settings)));
}

export function createIamClient(settings?: AwsClientSettings): IAMClient {
  return awsClient(IAMClient, settings);
}
