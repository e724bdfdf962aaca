import { AwsCallError } from '../lambdas/aws/aws-call-error.ts';
import { UnrecordedKeyError } from '../lambdas/core/enforcement.ts';
import { RefusedRunError } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import { InvalidOptionError } from '../lambdas/use-cases/generate-mfa-report.ts';
import { UnknownUserError } from '../lambdas/use-cases/restore-user.ts';

export { AwsCallError };

/**
 * The errors that refuse a run before it changes anything (exit 2): a bad
 * option the API caught, a run above the blast-radius guards, a user or key
 * with nothing to restore.
 */
export function isRefusal(
  error: unknown,
): error is InvalidOptionError | RefusedRunError | UnknownUserError | UnrecordedKeyError {
  return (
    error instanceof InvalidOptionError ||
    error instanceof RefusedRunError ||
    error instanceof UnknownUserError ||
    error instanceof UnrecordedKeyError
  );
}
