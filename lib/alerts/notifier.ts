import type { MessageAttributeValue, SNSClient } from '@aws-sdk/client-sns';
import { describeError } from '../errors/index.js';
import { ALERTS_ERROR_CODES, AlertsError } from './errors.js';
import { safeSubject } from './message.js';
import type { Notification, Notifier } from './types.js';

/** Scalar attributes sent next to the JSON one, so that SNS subscription filter policies can select on them. */
const FILTERABLE = ['event', 'severity', 'cluster', 'site'] as const;

export const messageAttributes = (notification: Notification): Record<string, MessageAttributeValue> => {
  const attributes: Record<string, MessageAttributeValue> = {
    chdr: { DataType: 'String', StringValue: JSON.stringify(notification.attributes) },
  };
  for (const key of FILTERABLE) {
    const value = notification.attributes[key];
    if (typeof value === 'string' && value !== '')
      attributes[key] = { DataType: 'String', StringValue: value };
  }
  return attributes;
};

/** Publishes to one SNS topic; the SDK retries throttling and transient errors. */
export class SnsNotifier implements Notifier {
  private readonly client: Pick<SNSClient, 'send'>;
  private readonly topicArn: string;

  constructor(options: { client: Pick<SNSClient, 'send'>; topicArn: string }) {
    this.client = options.client;
    this.topicArn = options.topicArn;
  }

  async notify(notification: Notification): Promise<void> {
    try {
      // Loaded on first use: a Lambda's module init stays config and code (issue 15).
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: safeSubject(notification.subject),
          Message: notification.body,
          MessageAttributes: messageAttributes(notification),
        }),
      );
    } catch (cause) {
      throw new AlertsError(
        ALERTS_ERROR_CODES.notifyFailed,
        `SNS Publish to ${this.topicArn} failed: ${describeError(cause)}`,
        { cause },
      );
    }
  }
}

/** Keeps messages in memory: for tests and for the local CLI, which prints them. */
export class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];

  async notify(notification: Notification): Promise<void> {
    this.sent.push(structuredClone(notification));
  }
}
