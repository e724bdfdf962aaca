/**
 * awssec iam-mfa as a library: the same assessment the CLI and the Lambdas run.
 *
 *   import { generateMfaReport } from 'awssec-iam-mfa';
 *   const report = await generateMfaReport({ excludeUsers: 'svc-*' });
 */
export { AwsCallError } from './lambdas/aws/aws-call-error.ts';
export type { AwsClientSettings } from './lambdas/aws/aws-clients.ts';
export type { InventoryProgress } from './lambdas/aws/iam-inventory.ts';
export { enforcesMfa } from './lambdas/core/account-findings.ts';
export {
  type ComplianceStatus,
  DEFAULT_GRACE_PERIOD_DAYS,
  EXEMPTION_TAG,
  type Risk,
} from './lambdas/core/assessment.ts';
export {
  COMPLIANCE_TARGETS,
  type MfaReport,
  type MfaReportSummary,
  type MfaReportUser,
} from './lambdas/core/mfa-report.ts';
export { reportToCsv } from './lambdas/core/report-csv.ts';
export type { MfaDeviceKind } from './lambdas/core/user-facts.ts';
export {
  type GenerateMfaReportOptions,
  generateMfaReport,
  InvalidOptionError,
} from './lambdas/use-cases/generate-mfa-report.ts';
