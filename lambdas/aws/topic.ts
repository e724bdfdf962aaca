import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Message } from '../core/messages.ts';
import { awsCall } from './aws-call-error.ts';

/** Publishes to the security topic; email subscribers see the subject and the text. */
export async function publish(sns: SNSClient, topicArn: string, message: Message): Promise<void> {
  await awsCall('sns:Publish', () =>
    sns.send(new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.text })),
  );
}
