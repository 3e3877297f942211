import type { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverEvent, FailoverNotifier } from './types.js';

/** SNS subjects are limited to 100 characters. */
const MAX_SUBJECT = 100;

export const failoverSubject = (event: FailoverEvent): string => {
  const what =
    event.kind === 'started'
      ? 'started'
      : event.kind === 'step-failed'
        ? `step ${event.stepId} failed`
        : `finished: ${event.result}`;
  return `chdr ${event.cluster}: ${event.operation} ${event.from}->${event.to} ${what}`.slice(0, MAX_SUBJECT);
};

/** Publishes failover notices to an SNS topic (the page topic), with the event as a JSON attribute. */
export class SnsFailoverNotifier implements FailoverNotifier {
  constructor(
    private readonly sns: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async notify(event: FailoverEvent): Promise<void> {
    // Loaded on first use: a Lambda's module init stays config and code (issue 15).
    const { PublishCommand } = await import('@aws-sdk/client-sns');
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: failoverSubject(event),
        Message: [
          failoverSubject(event),
          '',
          event.summary,
          '',
          `run ${event.runId} at ${event.at}`,
          'Journal: chdr history --config FILE (or the failover function with {"action": "history"}).',
        ].join('\n'),
        MessageAttributes: { event: { DataType: 'String', StringValue: JSON.stringify(event) } },
      }),
    );
  }
}

/** Several notifiers as one (e.g. SNS and the paging module); one failing does not stop the others. */
export const combineNotifiers = (...notifiers: FailoverNotifier[]): FailoverNotifier => ({
  async notify(event) {
    const results = await Promise.allSettled(notifiers.map((n) => n.notify(event)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  },
});
