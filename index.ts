/**
 * awssec iam-mfa as a library: the same assessment the CLI and the Lambdas run.
 *
 *   import { generateMfaReport } from 'awssec-iam-mfa';
 *   const report = await generateMfaReport({ excludeUsers: 'svc-*' });
 *   const plan = await enforceMfaCompliance({ excludeUsers: 'svc-*' }); // a dry run unless dryRun: false
 */
export { AwsCallError } from './lambdas/aws/aws-call-error.ts';
export type { AwsClientSettings } from './lambdas/aws/aws-clients.ts';
export type { InventoryProgress } from './lambdas/aws/iam-inventory.ts';
export { TagQuotaError } from './lambdas/aws/record-store.ts';
export { UntrustedPolicyError } from './lambdas/aws/require-mfa-policy.ts';
export { enforcesMfa } from './lambdas/core/account-findings.ts';
export {
  type ComplianceStatus,
  DEFAULT_GRACE_PERIOD_DAYS,
  EXEMPTION_TAG,
  type Risk,
} from './lambdas/core/assessment.ts';
export { DEFAULT_BLAST_RADIUS, ENFORCEMENT_TAGS, UnrecordedKeyError } from './lambdas/core/enforcement.ts';
export {
  COMPLIANCE_TARGETS,
  type MfaReport,
  type MfaReportSummary,
  type MfaReportUser,
} from './lambdas/core/mfa-report.ts';
export { type OperatorCommand, operatorPolicy } from './lambdas/core/operator-policies.ts';
export type {
  OrgAccount,
  OrgMfaReport,
  OrgMfaReportSummary,
  OrgMfaReportUser,
} from './lambdas/core/org-report.ts';
export {
  BULK_REPORT_PERMISSIONS,
  ENFORCE_PERMISSIONS,
  LIVE_REPORT_PERMISSIONS,
  type Permission,
  REPAIR_PERMISSIONS,
  RESTORE_PERMISSIONS,
} from './lambdas/core/permissions.ts';
export {
  REQUIRE_MFA_POLICY_NAME,
  requireMfaPolicy,
  SELF_SERVICE_MFA_POLICY_NAME,
  selfServiceMfaPolicy,
} from './lambdas/core/policies.ts';
export {
  normalisePolicy,
  type RequireMfaPolicyVerdict,
  requireMfaPolicyVerdict,
} from './lambdas/core/policy-integrity.ts';
export { orgReportToCsv, reportToCsv } from './lambdas/core/report-csv.ts';
export type { MfaDeviceKind } from './lambdas/core/user-facts.ts';
export {
  type EnforceMfaComplianceOptions,
  type EnforcementRun,
  enforceMfaCompliance,
  RefusedRunError,
} from './lambdas/use-cases/enforce-mfa-compliance.ts';
export {
  DEFAULT_ENFORCE_ROLE_NAME,
  type EnforceOrgMfaComplianceOptions,
  enforceOrgMfaCompliance,
  type OrgEnforcementAccount,
  type OrgEnforcementRun,
} from './lambdas/use-cases/enforce-org-mfa-compliance.ts';
export {
  type GenerateMfaReportOptions,
  generateMfaReport,
  InvalidOptionError,
} from './lambdas/use-cases/generate-mfa-report.ts';
export {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_AUDIT_ROLE_NAME,
  type GenerateOrgMfaReportOptions,
  generateOrgMfaReport,
  type OrganizationOptions,
} from './lambdas/use-cases/generate-org-mfa-report.ts';
export {
  type PolicyRepairRun,
  type RepairRequireMfaPolicyOptions,
  repairRequireMfaPolicy,
} from './lambdas/use-cases/repair-require-mfa-policy.ts';
export {
  type RestoreRun,
  type RestoreUserOptions,
  restoreUser,
  UnknownUserError,
} from './lambdas/use-cases/restore-user.ts';
