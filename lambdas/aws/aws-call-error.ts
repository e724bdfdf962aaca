/**
 * A failed AWS call, described for the person running the tool: which call,
 * which permission it needs, what to do next. The CLI prints `message` as is.
 */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    /** The IAM action, e.g. `iam:GetCredentialReport`; also the permission the call needs. */
    readonly action: string,
    readonly kind:
      | 'access-denied'
      | 'no-credentials'
      | 'bad-credentials'
      | 'not-found'
      | 'unreachable'
      | 'other',
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options);
    this.detail = options?.detail ?? message;
  }

  /** The first line of what AWS or the network said, without the tool's explanation around it. */
  readonly detail: string;
}

interface SdkLikeError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
]);
/** Network failures: the call never got an answer from AWS. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The SDK error's name (`NoSuchEntityException`), or undefined for something that is not one. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as SdkLikeError).name : undefined;
}

/** The entity named in the call does not exist (or no longer does). */
export function isNoSuchEntity(error: unknown): boolean {
  if (error instanceof AwsCallError) return error.kind === 'not-found';
  const name = awsErrorName(error);
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity';
}

export function toAwsCallError(action: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e: SdkLikeError = typeof error === 'object' && error !== null ? error : { message: String(error) };
  const name = e.name ?? 'Error';
  const detail = firstLine(e.message ?? name);
  if (ACCESS_DENIED.has(name) || (e.$metadata?.httpStatusCode === 403 && !BAD_CREDENTIALS.has(name))) {
    return new AwsCallError(
      action,
      'access-denied',
      `access denied to ${action}: the identity running awssec needs the permission ${action} (awssec iam-mfa policy --operator COMMAND prints the policy each command needs)`,
      { cause: error, detail },
    );
  }
  if (name === 'CredentialsProviderError') {
    return new AwsCallError(
      action,
      'no-credentials',
      `no AWS credentials found for ${action}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      { cause: error, detail },
    );
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new AwsCallError(
      action,
      'bad-credentials',
      `AWS rejected the credentials for ${action} (${name}): refresh them, e.g. with aws sso login`,
      { cause: error, detail },
    );
  }
  if (isNoSuchEntity(error)) {
    return new AwsCallError(action, 'not-found', `${action}: ${detail}`, { cause: error, detail });
  }
  if (
    (e.code !== undefined && UNREACHABLE.has(e.code)) ||
    name === 'TimeoutError' ||
    name === 'NetworkBudgetError'
  ) {
    return new AwsCallError(action, 'unreachable', `cannot reach AWS for ${action}: ${detail}`, {
      cause: error,
      detail,
    });
  }
  return new AwsCallError(action, 'other', `${action} failed: ${name}: ${detail}`, { cause: error, detail });
}

/** The message of anything thrown, for a report or a log. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/** Runs one AWS call (or a paginated series of them) and describes its failure. */
export async function awsCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAwsCallError(action, error);
  }
}
