import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Message } from '../core/messages.ts';
import { awsCall } from './aws-call-error.ts';

/** Sends a plain-text mail through SES; the sender must be a verified identity. */
export async function sendMail(
  ses: SESClient,
  input: { from: string; to: string; message: Message },
): Promise<void> {
  await awsCall('ses:SendEmail', () =>
    ses.send(
      new SendEmailCommand({
        Source: input.from,
        Destination: { ToAddresses: [input.to] },
        Message: {
          Subject: { Data: input.message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: input.message.text, Charset: 'UTF-8' } },
        },
      }),
    ),
  );
}
