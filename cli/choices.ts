/**
 * The values the CLI's options choose among, apart from the code that acts on
 * them so that parsing a command line (and --help) loads none of it.
 */
export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report command's outputs: the formats, and `asff`, the Security Hub findings the run would import. */
export const REPORT_OUTPUTS = [...REPORT_FORMATS, 'asff'] as const;
export type ReportOutput = (typeof REPORT_OUTPUTS)[number];

export const POLICY_NAMES = ['require-mfa', 'self-service'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];
