import type { NightlySettings } from '../../lambdas/use-cases/nightly-run.ts';

/** The nightly run's settings the handler tests start from: report mode, the stack's defaults, svc-* exempted. */
export function nightlySettings(
  reportBucket: string,
  topicArn: string,
  overrides: Partial<NightlySettings> = {},
): NightlySettings {
  return {
    mode: 'report',
    apply: false,
    gracePeriodDays: 7,
    warningDays: 3,
    excludeUsers: ['svc-*'],
    breakGlass: [],
    maxUsers: 10,
    maxPercent: 50,
    disableConsoleAccess: false,
    reportBucket,
    topicArn,
    senderEmail: '',
    emailDomain: '',
    securityHub: false,
    ...overrides,
  };
}
