/**
 * How long an AWS call may take, apart from the client code so that the CLI
 * can show the defaults in --help without loading the SDK.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
