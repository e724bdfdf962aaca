/** The command line asks for something impossible: exit code 2, nothing done. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
