import { EVENTS, IAM_EVENTS_REGION } from '../function-contract.ts';
import type { AlertKind, SecurityAlert } from './cloudtrail-events.ts';
import { boundBytes, displaySafe, displayText } from './display-text.ts';
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
    text: messageText([
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
    ]),
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
    text: messageText([
      `Hello ${input.userName},`,
      '',
      `Your IAM user ${input.userName} in AWS account ${input.accountId} has no MFA device (${input.exposure.join('; ')}).`,
      `From ${input.deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC your access keys may be disabled and your`,
      'access limited to setting up MFA. Setting up MFA now takes two minutes and avoids this:',
      '',
      ...SETUP_STEPS(input.accountId, input.userName),
    ]),
  };
}

const ALERT_TITLE: Record<AlertKind, string> = {
  'console-sign-in-without-mfa': 'Console sign-in without MFA',
  'root-sign-in': 'Root user sign-in',
  'mfa-device-removed': 'MFA device removed',
  'require-mfa-policy-changed': 'RequireMFA policy changed',
  'mfa-device-enabled': 'MFA device enabled',
};

/**
 * How much of one value from an event an alert shows. The event's fields are
 * what the request said (a user agent is whatever the caller sent: one of
 * 300 KB made the publish fail and the alert was lost).
 */
export const ALERT_FIELD_MAX = 300;

/** A message's whole text stays well under SNS's 256 KB (and SES's limits). */
export const MESSAGE_MAX_BYTES = 64 * 1024;

/**
 * A message's text from our own lines: each line made safe to show (a value's
 * line break becomes a space, control characters and escape sequences go),
 * the whole bounded to MESSAGE_MAX_BYTES.
 */
export function messageText(lines: readonly string[]): string {
  return boundBytes(lines.map(displayText).join('\n'), MESSAGE_MAX_BYTES);
}

/** An alert for the security team: what happened, who, when, from where, and what to do. */
export function alertMessage(event: SecurityAlert): Message {
  const alert = displaySafe(event, ALERT_FIELD_MAX);
  const refused = alert.errorCode !== undefined;
  const title = ALERT_TITLE[alert.kind];
  const about =
    alert.kind === 'require-mfa-policy-changed'
      ? `${alert.eventName}${alert.userName === undefined ? '' : ` ${alert.userName}`}`
      : (alert.userName ?? alert.actorArn);
  return {
    subject: asciiSubject(`[awssec] ${title}: ${about}${refused ? ' (refused)' : ''} in ${alert.accountId}`),
    text: messageText([
      `${title} in AWS account ${alert.accountId}`,
      '',
      ...whatHappened(alert),
      ...(refused
        ? [`AWS refused the call (${alert.errorCode}): nothing changed, but it was attempted.`]
        : []),
      `When:  ${alert.eventTime}`,
      `Who:   ${alert.actorArn}`,
      `Source IP (as recorded): ${alert.sourceIp}`,
      `User agent (as the request claimed): ${alert.userAgent}`,
      `Recorded in region: ${recordedIn(alert.region)}`,
      `Event: ${alert.eventId}`,
      '',
      'What to do:',
      ...whatToDo(alert).map((line) => `  ${line}`),
    ]),
  };
}

/** The region CloudTrail recorded the event in; the functions get other regions' events forwarded. */
function recordedIn(region: string): string {
  if (region === '') return '(not recorded)';
  return region === IAM_EVENTS_REGION ? region : `${region} (forwarded to ${IAM_EVENTS_REGION})`;
}

function userText(userName: string | undefined): string {
  return userName === 'root' ? 'the root user' : `IAM user ${userName ?? '(unknown)'}`;
}

function whatHappened(alert: SecurityAlert): string[] {
  const who = userText(alert.userName);
  const refused = alert.errorCode !== undefined;
  switch (alert.kind) {
    case 'console-sign-in-without-mfa':
      return [`${who} signed in to the console without MFA.`];
    case 'root-sign-in':
      return [`${who} signed in to the console${alert.mfaUsed ? ' (with MFA)' : ' WITHOUT MFA'}.`];
    case 'mfa-device-removed':
      return [
        alert.eventName === 'DeleteVirtualMFADevice'
          ? `DeleteVirtualMFADevice deleted the virtual MFA device ${alert.serialNumber ?? '(no serial)'}, by ${alert.actorArn}. A device is deactivated before it can be deleted: look for that alert too.`
          : `${alert.eventName} removed an MFA device of ${who}${alert.serialNumber ? ` (${alert.serialNumber})` : ''}, by ${alert.actorArn}.`,
      ];
    case 'require-mfa-policy-changed': {
      const policy = `RequireMFA (${alert.policyArn ?? 'unknown ARN'})`;
      const version = alert.versionId ?? '(version not recorded)';
      const did = (done: string, attempted: string) => (refused ? attempted : done);
      const line = {
        CreatePolicyVersion: `${alert.actorArn} ${did('created', 'tried to create')} version ${version} of ${policy}${
          alert.setAsDefault
            ? ' as its default version: the document every user with RequireMFA gets.'
            : ', not as the default version (SetDefaultPolicyVersion would make it count).'
        }`,
        SetDefaultPolicyVersion: `${alert.actorArn} ${did('made', 'tried to make')} version ${version} the default version of ${policy}: the document every user with RequireMFA gets.`,
        DeletePolicyVersion: `${alert.actorArn} ${did('deleted', 'tried to delete')} version ${version} of ${policy}.`,
        DeletePolicy: `${alert.actorArn} ${did('deleted', 'tried to delete')} the policy ${policy}.`,
        DetachUserPolicy: `${alert.actorArn} ${did('detached', 'tried to detach')} ${policy} from ${who}: without it, nothing makes that user use MFA.`,
      }[alert.eventName];
      return [line ?? `${alert.actorArn} called ${alert.eventName} on ${policy}.`];
    }
    case 'mfa-device-enabled':
      return alert.enrolment === 'long-term-key'
        ? [
            `EnableMFADevice ${refused ? 'tried to enable' : 'enabled'} an MFA device (${alert.serialNumber ?? 'no serial'}) for ${who}, signed with the long-term access key ${alert.accessKeyId ?? '(unknown)'}.`,
            "People enrol MFA from the console. A leaked access key can enrol its holder's own device and then get",
            'MFA-authenticated sessions with it (sts get-session-token), passing every MFA condition (AWS-2023-001).',
          ]
        : [
            `EnableMFADevice enabled an MFA device (${alert.serialNumber ?? 'no serial'}) for ${who}, who now has ${alert.devices?.length ?? 'several'} MFA devices:`,
            ...(alert.devices ?? []).map((serial) => `  ${serial}`),
            "Someone with the user's password or session can add a device of their own beside the user's,",
            'and keep MFA access after the password is changed.',
          ];
  }
}

function whatToDo(alert: SecurityAlert): string[] {
  const user = alert.userName ?? '(unknown)';
  switch (alert.kind) {
    case 'console-sign-in-without-mfa':
      return [
        `Confirm with ${user} that this was them. If not: disable the user's password and keys now`,
        `(awssec iam-mfa enforce --include-users ${user} --disable-console-access --apply) and review CloudTrail.`,
        'If it was them: they must register an MFA device; RequireMFA leaves them nothing else to do.',
      ];
    case 'root-sign-in':
      return [
        'Root should almost never sign in. Confirm who did and why; if nobody can say, treat it as a compromise:',
        'change the root password, check root MFA and access keys, and review CloudTrail from this time on.',
      ];
    case 'mfa-device-removed':
      return [
        `Confirm with ${user === 'root' ? 'the root owner' : user} that this was intended. A user without MFA is`,
        'reported by the nightly run and, where enforcement is on, acted on once warned.',
      ];
    case 'require-mfa-policy-changed':
      return alert.eventName === EVENTS.requireMfaPolicyChanges.detach
        ? [
            `\`awssec iam-mfa restore\` detaches RequireMFA when it undoes an enforcement: if it ran for ${user} at this time,`,
            `nothing to do. Otherwise confirm with the caller why; while ${user} has no MFA, the nightly run reports them`,
            'and enforcement attaches RequireMFA again. Review what else this identity did in CloudTrail.',
          ]
        : [
            'Nobody should change RequireMFA by hand. Confirm who did it and why (`awssec iam-mfa policy --repair`',
            'itself makes a new default version). If nobody can say: run `awssec iam-mfa policy --repair`, which',
            'writes the canonical document as a new default version, and review what else this identity did in CloudTrail.',
          ];
    case 'mfa-device-enabled': {
      const serial = alert.serialNumber ?? 'SERIAL';
      const key = alert.enrolment === 'long-term-key' ? (alert.accessKeyId ?? 'KEY') : 'KEY';
      return [
        `Confirm with ${user === 'root' ? 'the root owner' : user} that they enrolled ${serial} themselves. If not:`,
        ...(user === 'root'
          ? ["deactivate the device, delete root's access keys and change the root password."]
          : [
              `deactivate it (aws iam deactivate-mfa-device --user-name ${user} --serial-number ${serial}),`,
              `disable the user's access keys (aws iam update-access-key --user-name ${user} --access-key-id ${key} --status Inactive)`,
              'and change the password.',
            ]),
        'Then review CloudTrail for GetSessionToken and other calls by this identity since the event.',
      ];
    }
  }
}

/** SNS wants ASCII, no line breaks, under 100 characters. */
export function asciiSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length < 100 ? ascii : `${ascii.slice(0, 96)}...`;
}
