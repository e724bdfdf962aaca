/**
 * The values the CLI's options choose among, apart from the code that acts on
 * them so that parsing a command line (and --help) loads none of it.
 */
export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const POLICY_NAMES = ['require-mfa', 'self-service'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];
