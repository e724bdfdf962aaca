import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsCallError, awsCall } from './aws-call-error.ts';
import type { AwsClientSettings } from './aws-clients.ts';
import { createStsClient } from './caller-identity.ts';

/**
 * Before a command's run: can AWS be reached, and with which credentials?
 * One STS call with short timeouts and a single retry, so that a dead or
 * unreachable endpoint fails in seconds with the endpoint named, instead of
 * each of the run's calls waiting out its own timeouts and retries. The run's
 * own clients keep their longer timeouts: a page of IAM's answer may take a
 * while on a large account.
 */
export const FIRST_CONTACT = { connectTimeoutMs: 3_000, requestTimeoutMs: 5_000, maxAttempts: 2 } as const;

export async function checkAwsReachable(
  settings: AwsClientSettings,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const profile = env.AWS_PROFILE;
  if (profile !== undefined && profile !== '' && settings.credentials === undefined) {
    await checkProfileExists(profile, env);
  }
  const sts = createStsClient({
    ...settings,
    maxAttempts: FIRST_CONTACT.maxAttempts,
    // A shorter timeout asked for (--timeout) applies to this call too.
    connectTimeoutMs: Math.min(FIRST_CONTACT.connectTimeoutMs, settings.connectTimeoutMs ?? Infinity),
    requestTimeoutMs: Math.min(FIRST_CONTACT.requestTimeoutMs, settings.requestTimeoutMs ?? Infinity),
  });
  try {
    await awsCall('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  } catch (error) {
    if (error instanceof AwsCallError && error.kind === 'unreachable') {
      throw new AwsCallError(
        error.action,
        'unreachable',
        `cannot reach AWS at ${stsEndpoint(settings, env)}: ${error.detail}; check the network or proxy, and AWS_ENDPOINT_URL or AWS_REGION`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    sts.destroy();
  }
}

/** Where the SDK sends STS calls, as the user would recognise it. */
function stsEndpoint(settings: AwsClientSettings, env: Readonly<Record<string, string | undefined>>): string {
  const region = settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return (
    settings.endpoint ??
    env.AWS_ENDPOINT_URL_STS ??
    env.AWS_ENDPOINT_URL ??
    `https://sts.${region}.amazonaws.${region.startsWith('cn-') ? 'com.cn' : 'com'}`
  );
}

/**
 * The SDK says only "could not load credentials" for a profile that does not
 * exist: say which, and where it was looked for.
 */
async function checkProfileExists(
  profile: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const config = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const [configText, credentialsText] = await Promise.all(
    [config, credentials].map((path) => readFile(path, 'utf8').catch(() => '')),
  );
  const names = new Set([
    ...sections(configText ?? '').map((section) => section.replace(/^profile\s+/, '')),
    ...sections(credentialsText ?? ''),
  ]);
  if (!names.has(profile)) {
    throw new AwsCallError(
      'sts:GetCallerIdentity',
      'no-credentials',
      `AWS profile '${profile}' is not in ${config} or ${credentials}: check AWS_PROFILE (aws configure list-profiles lists the profiles)`,
    );
  }
}

/** `[profile dev]`, `[default]`: the section names of an AWS ini file. */
function sections(text: string): string[] {
  return [...text.matchAll(/^\s*\[([^\]]+)\]\s*$/gm)].map((match) => (match[1] ?? '').trim());
}
