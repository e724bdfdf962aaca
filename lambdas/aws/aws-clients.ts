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
  };
}

export function createIamClient(settings?: AwsClientSettings): IAMClient {
  return new IAMClient(awsClientConfig(settings));
}
