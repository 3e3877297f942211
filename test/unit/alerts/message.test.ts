import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryNotifier,
  Pager,
  SnsNotifier,
  pageMessage,
  safeSubject,
  type PageState,
} from '../../../lib/alerts/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { check, standbyReport } from '../metrics/reports.js';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const state = (overrides: Partial<PageState> = {}): PageState => ({
  cluster: 'analytics',
  site: 'standby',
  kind: 'heartbeat-lag',
  subject: 'primary',
  since: '2025-11-23T02:14:00.000Z',
  lastPagedAt: '2025-11-23T02:14:00.000Z',
  pages: 1,
  summary: '',
  ...overrides,
});

describe('page message', () => {
  const report = { ...standbyReport({ lagSeconds: 412 }), region: 'us-west-2' };
  const lag = check('heartbeat-lag', 'primary', 'critical', { lagSeconds: 412, unchangedCycles: 7 });
  lag.summary =
    'primary’s heartbeat is 412 s old here (critical at 300 s); its row has not changed for 7 cycles';

  it('tells a deployed agent’s reader to pause against the deployed tables', () => {
    const context = { report, at: '2025-11-23T02:51:00.000Z', repageMinutes: 60 };

    const local = pageMessage('critical', [{ check: lag, state: state() }], context);
    const deployed = pageMessage('critical', [{ check: lag, state: state() }], {
      ...context,
      deployedStage: 'prod',
    });

    expect(local.body).toContain('chdr pause --site standby --until');
    expect(deployed.body).toContain('chdr pause --site standby --state aws --until');
  });

  it('says what is wrong, the measured values, since when and the runbook step', () => {
    const message = pageMessage('critical', [{ check: lag, state: state() }], {
      report,
      at: '2025-11-23T02:51:00.000Z',
      repageMinutes: 60,
    });

    expect(message.subject).toBe('[CRITICAL] analytics/standby heartbeat-lag from primary');
    expect(message.body).toContain('CRITICAL at analytics/standby (us-west-2)');
    expect(message.body).toContain(`What is wrong: ${lag.summary}`);
    expect(message.body).toContain('Measured:      outcome=ok, lagSeconds=412, unchangedCycles=7');
    expect(message.body).toContain('Since:         2025-11-23T02:14:00.000Z (37 min)');
    expect(message.body).toContain('Runbook:       docs/metrics.md#runbook-heartbeat-lag');
    expect(message.body).toContain('First step:    on this site');
    expect(message.body).toContain('chdr pause --site standby');
    expect(message.attributes).toMatchObject({
      event: 'critical',
      severity: 'critical',
      region: 'us-west-2',
      checks: [
        {
          kind: 'heartbeat-lag',
          subject: 'primary',
          since: '2025-11-23T02:14:00.000Z',
          values: { lagSeconds: 412 },
        },
      ],
    });
  });

  it('names the replica and links the read-only section for a read-only replica', () => {
    const replica = check('replica-status', 'ch-usw2-a', 'critical', {
      readonlyTables: 2,
      maxAbsoluteDelay: 0,
    });

    const message = pageMessage(
      'critical',
      [{ check: replica, state: state({ kind: 'replica-status', subject: 'ch-usw2-a' }) }],
      {
        report,
        at: '2025-11-23T02:51:00.000Z',
        repageMinutes: 60,
        runbookBase: 'https://example.org/chdr/docs/metrics.md',
      },
    );

    expect(message.subject).toBe('[CRITICAL] analytics/standby replica ch-usw2-a');
    expect(message.body).toContain(
      'https://example.org/chdr/docs/metrics.md#runbook-read-only-replicas-and-lost-sessions',
    );
  });

  it('keeps subjects SNS accepts: one line of ASCII under 100 characters', () => {
    const subject = safeSubject(
      `[CRITICAL] ${'very-long-cluster-name.'.repeat(8)}/standby heartbeat-lag from primary → ñ\nsecond line`,
    );

    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('SnsNotifier', () => {
  it('publishes subject, body and a JSON attribute for machines plus filterable scalars', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = new SnsNotifier({
      client: new SNSClient({ region: 'us-west-2' }),
      topicArn: 'arn:aws:sns:us-west-2:123456789012:pages',
    });
    const memory = new MemoryNotifier();
    const clock = { now: () => Date.parse('2025-11-23T02:51:00Z') };
    await new Pager({
      store: new MemoryStateStore(clock),
      notifier: memory,
      clock,
      confirmCycles: 1,
      confirmSeconds: 0,
    }).process(standbyReport({ lagSeconds: 412 }));

    await notifier.notify(memory.sent[0]!);

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-west-2:123456789012:pages');
    expect(input.Subject).toBe('[CRITICAL] analytics/standby heartbeat-lag from primary');
    expect(input.Message).toContain('What is wrong:');
    expect(JSON.parse(input.MessageAttributes!['chdr']!.StringValue!)).toMatchObject({
      event: 'critical',
      site: 'standby',
    });
    expect(input.MessageAttributes!['event']).toEqual({ DataType: 'String', StringValue: 'critical' });
    expect(input.MessageAttributes!['severity']).toEqual({ DataType: 'String', StringValue: 'critical' });
  });

  it('turns an SNS failure into a typed error that keeps the cause', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const notifier = new SnsNotifier({
      client: new SNSClient({ region: 'us-west-2' }),
      topicArn: 'arn:aws:sns:us-west-2:1:x',
    });

    const error = await notifier
      .notify({ subject: 's', body: 'b', attributes: { event: 'failover' } })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'ALERTS_NOTIFY_FAILED', cause: { name: 'NotFoundException' } });
  });
});
