import { accessDenied, awsErrorXml, type ProxyRule } from './aws-proxy.ts';

/**
 * Faults for the proxy to inject, as IAM would produce them. Every fault is
 * answered in moto's place, so a faulted call never reached moto and its
 * retry is the only write: what reaches moto is what really happened.
 */
export interface FaultConfig {
  /** Per-operation request rate above which calls get `Throttling` (token bucket, burst = one second's worth). */
  readonly ratePerOperation?: number | undefined;
  /** Share of calls (0–1) answered `Throttling` at random, on top of the rate. */
  readonly throttleShare?: number | undefined;
  /** Share of calls (0–1) answered HTTP 500 `ServiceFailure`. */
  readonly serverErrorShare?: number | undefined;
  /** Calls naming these users get AccessDenied. */
  readonly accessDeniedUsers?: readonly string[] | undefined;
  /** These users vanish: every call naming them gets NoSuchEntity once `afterCalls` requests have passed. */
  readonly deletedUsers?: readonly { readonly userName: string; readonly afterCalls: number }[] | undefined;
  /** The credential report never finishes. */
  readonly credentialReportStuck?: boolean | undefined;
  /** Seed for the random shares, so a failing run can be repeated. @default 1 */
  readonly seed?: number | undefined;
  /** Operations never faulted (e.g. the test's own set-up calls). */
  readonly spare?: readonly string[] | undefined;
}

export interface FaultStats {
  /** Throttling answers, by operation. */
  readonly throttled: Map<string, number>;
  serverErrors: number;
  accessDenied: number;
  notFound: number;
}

/** AWS's answer above its rate, as IAM sends it. */
export const THROTTLING = {
  status: 400,
  body: awsErrorXml('Throttling', 'Rate exceeded'),
};

export function faultRule(config: FaultConfig): { rule: ProxyRule; stats: FaultStats } {
  const random = mulberry32(config.seed ?? 1);
  const stats: FaultStats = { throttled: new Map(), serverErrors: 0, accessDenied: 0, notFound: 0 };
  const buckets = new Map<string, { tokens: number; at: number }>();
  let calls = 0;
  const throttled = (action: string) => {
    stats.throttled.set(action, (stats.throttled.get(action) ?? 0) + 1);
    return { respond: THROTTLING };
  };
  const rule: ProxyRule = ({ action, params }) => {
    if (action === '' || config.spare?.includes(action)) return undefined;
    calls += 1;
    const userName = params.get('UserName');
    if (config.credentialReportStuck) {
      if (action === 'GenerateCredentialReport') {
        return {
          respond: {
            status: 200,
            body: '<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>INPROGRESS</State></GenerateCredentialReportResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GenerateCredentialReportResponse>',
          },
        };
      }
      if (action === 'GetCredentialReport') {
        return { respond: { status: 404, body: awsErrorXml('ReportInProgress', 'Report is in progress') } };
      }
    }
    if (config.ratePerOperation !== undefined) {
      const now = Date.now();
      const rate = config.ratePerOperation;
      const bucket = buckets.get(action) ?? { tokens: rate, at: now };
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
      bucket.at = now;
      buckets.set(action, bucket);
      if (bucket.tokens < 1) return throttled(action);
      bucket.tokens -= 1;
    }
    if (random() < (config.throttleShare ?? 0)) return throttled(action);
    if (random() < (config.serverErrorShare ?? 0)) {
      stats.serverErrors += 1;
      return {
        respond: { status: 500, body: awsErrorXml('ServiceFailure', 'Internal failure', 'Receiver') },
      };
    }
    if (userName !== null && config.accessDeniedUsers?.includes(userName)) {
      stats.accessDenied += 1;
      return { respond: accessDenied(action) };
    }
    const gone = config.deletedUsers?.find((d) => d.userName === userName && calls > d.afterCalls);
    if (gone !== undefined) {
      stats.notFound += 1;
      return {
        respond: {
          status: 404,
          body: awsErrorXml('NoSuchEntity', `The user with name ${gone.userName} cannot be found.`),
        },
      };
    }
    return undefined;
  };
  return { rule, stats };
}

/** A small seeded random number generator: the same faults for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
