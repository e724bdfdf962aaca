import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  type AsffFinding,
  type AsffResource,
  type ComplianceStatusLabel,
  GENERATOR_PREFIX,
  importBatches,
  type SeverityLabel,
} from '../core/security-hub-findings.ts';
import { AwsCallError, awsErrorName, toAwsCallError } from './aws-call-error.ts';
import { type AwsClientSettings, awsClient } from './aws-clients.ts';

/** A Security Hub client with the tool's settings; findings go to the client's region. */
export function createSecurityHubClient(settings?: AwsClientSettings): SecurityHubClient {
  return awsClient(SecurityHubClient, settings);
}

/**
 * The tool's own active findings in this account's Security Hub: those of
 * the default product with one of the tool's generator ids. Security Hub
 * filters them; they are checked again here, and anything malformed is left
 * out, since anyone allowed BatchImportFindings in the account can write a
 * finding that claims to be ours.
 */
export async function readOwnFindings(
  client: SecurityHubClient,
  productArn: string,
  accountId: string,
): Promise<AsffFinding[]> {
  const filters: AwsSecurityFindingFilters = {
    ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
    AwsAccountId: [{ Value: accountId, Comparison: 'EQUALS' }],
    GeneratorId: [{ Value: GENERATOR_PREFIX, Comparison: 'PREFIX' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  };
  const findings: AsffFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await securityHubCall('securityhub:GetFindings', () =>
      client.send(new GetFindingsCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken })),
    );
    for (const finding of page.Findings ?? []) {
      const own = asOwnFinding(finding);
      if (own?.ProductArn === productArn && own.AwsAccountId === accountId && own.RecordState === 'ACTIVE')
        findings.push(own);
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return findings;
}

export interface ImportOutcome {
  readonly imported: number;
  /** Findings Security Hub refused, with its reason: reported, never dropped. */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/** Imports the findings in batches of at most 100, one batch after another (Security Hub allows 10 calls a second). */
export async function importFindings(
  client: SecurityHubClient,
  findings: readonly AsffFinding[],
): Promise<ImportOutcome> {
  let imported = 0;
  const failed: { id: string; error: string }[] = [];
  for (const batch of importBatches(findings)) {
    const result = await securityHubCall('securityhub:BatchImportFindings', () =>
      client.send(new BatchImportFindingsCommand({ Findings: batch.map(toSdkFinding) })),
    );
    imported += result.SuccessCount ?? 0;
    for (const failure of result.FailedFindings ?? []) {
      failed.push({
        id: failure.Id ?? '(no id)',
        error: `${failure.ErrorCode ?? 'Error'}: ${failure.ErrorMessage ?? 'no reason given'}`,
      });
    }
    // A count without the list still means findings were refused.
    const unlisted = (result.FailedCount ?? 0) - (result.FailedFindings?.length ?? 0);
    for (let i = 0; i < unlisted; i += 1)
      failed.push({ id: '(not named)', error: 'refused by Security Hub' });
  }
  return { imported, failed };
}

/** An AWS call to Security Hub; "not subscribed" becomes a message that says what to do. */
async function securityHubCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (awsErrorName(error) === 'InvalidAccessException') {
      throw new AwsCallError(
        action,
        'other',
        `${action} failed: Security Hub is not enabled in this account and region: enable it (aws securityhub enable-security-hub), or leave Security Hub out of the run`,
        { cause: error },
      );
    }
    throw toAwsCallError(action, error);
  }
}

/** The SDK's type wants mutable arrays; the finding is otherwise sent as built. */
function toSdkFinding(finding: AsffFinding): AwsSecurityFinding {
  return JSON.parse(JSON.stringify(finding)) as AwsSecurityFinding;
}

const SEVERITIES: ReadonlySet<string> = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const STATUSES: ReadonlySet<string> = new Set(['PASSED', 'WARNING', 'FAILED']);
const RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'AwsIamUser',
  'AwsIamGroup',
  'AwsIamPolicy',
  'AwsAccount',
]);

/** A finding read back, as the fields the tool sets; undefined when it is not one of the tool's. */
function asOwnFinding(finding: AwsSecurityFinding): AsffFinding | undefined {
  const { SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt, Title, Description, Types } =
    finding;
  const severity = finding.Severity?.Label;
  const status = finding.Compliance?.Status;
  const resource = finding.Resources?.[0];
  if (
    !SchemaVersion ||
    !Id ||
    !ProductArn ||
    !GeneratorId?.startsWith(GENERATOR_PREFIX) ||
    !AwsAccountId ||
    !CreatedAt ||
    !Title ||
    !Description ||
    severity === undefined ||
    !SEVERITIES.has(severity) ||
    status === undefined ||
    !STATUSES.has(status) ||
    resource?.Type === undefined ||
    !RESOURCE_TYPES.has(resource.Type) ||
    !resource.Id ||
    !resource.Partition ||
    !resource.Region ||
    !finding.Remediation?.Recommendation?.Text
  ) {
    return undefined;
  }
  const { UserName, UserId } = resource.Details?.AwsIamUser ?? {};
  return {
    SchemaVersion,
    Id,
    ProductArn,
    GeneratorId,
    AwsAccountId,
    Types: Types ?? [],
    CreatedAt,
    UpdatedAt: finding.UpdatedAt ?? CreatedAt,
    Severity: { Label: severity as SeverityLabel },
    Title,
    Description,
    Resources: [
      {
        Type: resource.Type as AsffResource['Type'],
        Id: resource.Id,
        Partition: resource.Partition,
        Region: resource.Region,
        ...(UserName === undefined
          ? {}
          : { Details: { AwsIamUser: { UserName, ...(UserId === undefined ? {} : { UserId }) } } }),
      },
    ],
    Compliance: { Status: status as ComplianceStatusLabel },
    Remediation: { Recommendation: { Text: finding.Remediation.Recommendation.Text } },
    RecordState: finding.RecordState === 'ARCHIVED' ? 'ARCHIVED' : 'ACTIVE',
    ProductFields: Object.fromEntries(
      Object.entries(finding.ProductFields ?? {}).filter(([key]) => key.startsWith('awssec/')),
    ),
  };
}
