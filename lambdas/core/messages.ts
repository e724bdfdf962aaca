import type { AlertKind, SecurityAlert } from './cloudtrail-events.ts';
import { tagValue } from './tags.ts';

/** The words people receive: mail to users, alerts and summaries to the security team. Plain text. */
export interface Message {
  /** SNS subjects must be ASCII, one line, under 100 characters. */
  readonly subject: string;
  readonly text: string;
}

// A plain address check: SES rejects the rest; this only keeps tags like "n/a" out.
const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

/** The `email` tag when it holds an address, else `<user>@<emailDomain>`, else nobody. */
export function recipientFor(
  userName: string,
  tags: Readonly<Record<string, string>>,
  emailDomain: string,
): string | undefined {
  const tagged = tagValue(tags, 'email')?.trim();
  if (tagged !== undefined && EMAIL.test(tagged)) return tagged;
  const domain = emailDomain.trim().replace(/^@/, '');
  if (domain === '') return undefined;
  const address = `${userName}@${domain}`;
  return EMAIL.test(address) ? address : undefined;
}

const SETUP_STEPS = (accountId: string, userName: string) => [
  `1. Sign in at https://${accountId}.signin.aws.amazon.com/console as ${userName}.`,
  '2. Open your name (top right) > Security credentials > Multi-factor authentication (MFA) > Assign MFA device.',
  '3. Choose a passkey or security key (best), an authenticator app, or a hardware TOTP token, and follow the steps.',
  '4. Sign out and in again, with MFA. Until then you can do nothing but set up MFA.',
  '',
  'Using access keys from the command line? After setting up MFA, get session credentials with:',
  '  aws sts get-session-token --serial-number <your MFA device ARN> --token-code <code>',
];

export function mfaSetupMail(input: {
  userName: string;
  accountId: string;
  gracePeriodDays: number;
}): Message {
  return {
    subject: `Set up MFA for your AWS account ${input.accountId}`,
    text: [
      `Hello ${input.userName},`,
      '',
      `An IAM user named ${input.userName} was created for you in AWS account ${input.accountId}.`,
      'This account requires multi-factor authentication (MFA): until you register an MFA device and sign in',
      `with it, you can do nothing but set it up. Please do it today; after ${input.gracePeriodDays} days without MFA`,
      'your access may be suspended.',
      '',
      ...SETUP_STEPS(input.accountId, input.userName),
      '',
      'Questions: reply to this mail or ask your security team.',
    ].join('\n'),
  };
}

export function mfaWarningMail(input: {
  userName: string;
  accountId: string;
  /** When access may be suspended: the end of the grace period, or a day from now for users past it. */
  deadline: Date;
  exposure: readonly string[];
}): Message {
  return {
    subject: `Action needed: set up MFA for AWS account ${input.accountId}`,
    text: [
      `Hello ${input.userName},`,
      '',
      `Your IAM user ${input.userName} in AWS account ${input.accountId} has no MFA device (${input.exposure.join('; ')}).`,
      `From ${input.deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC your access keys may be disabled and your`,
      'access limited to setting up MFA. Setting up MFA now takes two minutes and avoids this:',
      '',
      ...SETUP_STEPS(input.accountId, input.userName),
    ].join('\n'),
  };
}

const ALERT_TITLE: Record<AlertKind, string> = {
  'console-sign-in-without-mfa': 'Console sign-in without MFA',
  'root-sign-in': 'Root user sign-in',
  'mfa-device-removed': 'MFA device removed',
};

/** An alert for the security team: what happened, who, when, from where, and what to do. */
export function alertMessage(alert: SecurityAlert): Message {
  const who = alert.userName === 'root' ? 'the root user' : `IAM user ${alert.userName}`;
  const what = {
    'console-sign-in-without-mfa': `${who} signed in to the console without MFA.`,
    'root-sign-in': `${who} signed in to the console${alert.mfaUsed ? ' (with MFA)' : ' WITHOUT MFA'}.`,
    'mfa-device-removed':
      alert.eventName === 'DeleteVirtualMFADevice'
        ? `DeleteVirtualMFADevice deleted the virtual MFA device ${alert.serialNumber ?? '(no serial)'}, by ${alert.actorArn}. A device is deactivated before it can be deleted: look for that alert too.`
        : `${alert.eventName} removed an MFA device of ${who}${alert.serialNumber ? ` (${alert.serialNumber})` : ''}, by ${alert.actorArn}.`,
  }[alert.kind];
  const todo = {
    'console-sign-in-without-mfa': [
      `Confirm with ${alert.userName} that this was them. If not: disable the user's password and keys now`,
      `(awssec iam-mfa enforce --include-users ${alert.userName} --disable-console-access --apply) and review CloudTrail.`,
      'If it was them: they must register an MFA device; RequireMFA leaves them nothing else to do.',
    ],
    'root-sign-in': [
      'Root should almost never sign in. Confirm who did and why; if nobody can say, treat it as a compromise:',
      'change the root password, check root MFA and access keys, and review CloudTrail from this time on.',
    ],
    'mfa-device-removed': [
      `Confirm with ${alert.userName === 'root' ? 'the root owner' : alert.userName} that this was intended. A user without MFA is`,
      'reported by the nightly run and, where enforcement is on, acted on once warned.',
    ],
  }[alert.kind];
  const title = ALERT_TITLE[alert.kind];
  return {
    subject: asciiSubject(`[awssec] ${title}: ${alert.userName} in ${alert.accountId}`),
    text: [
      `${title} in AWS account ${alert.accountId}`,
      '',
      what,
      `When:  ${alert.eventTime}`,
      `From:  ${alert.sourceIp} (${alert.userAgent})`,
      `Where: ${alert.region}`,
      `Event: ${alert.eventId}`,
      '',
      'What to do:',
      ...todo.map((line) => `  ${line}`),
    ].join('\n'),
  };
}

/** SNS wants ASCII, no line breaks, under 100 characters. */
export function asciiSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length < 100 ? ascii : `${ascii.slice(0, 96)}...`;
}
