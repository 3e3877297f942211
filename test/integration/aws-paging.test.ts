import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Pager, Pauses, SnsNotifier } from '../../lib/alerts/index.js';
import { DynamoStateStore } from '../../lib/state/dynamo.js';
import {
  awsClientConfig,
  createStateTable,
  startMoto,
  subscribedQueue,
  type MotoServer,
  type SnsEnvelope,
} from '../support/moto.js';
import { standbyReport } from '../unit/metrics/reports.js';

const REGION = 'us-west-2';
let moto: MotoServer;
let sns: SNSClient;
let sqs: SQSClient;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, REGION);
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
  dynamo = new DynamoDBClient(config);
});
afterAll(async () => {
  for (const client of [sns, sqs, dynamo]) client?.destroy();
  await moto?.stop();
});

/** A fresh topic, its subscribed queue, and the state table as infra/dynamodb.yml defines it. */
const environment = async () => {
  await moto.reset();
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'chdr-analytics-standby-pages' }));
  const queue = await subscribedQueue(sns, sqs, TopicArn!, 'pages');
  const tableName = 'chdr-analytics-standby-state';
  await createStateTable(dynamo, tableName);
  let now = Date.parse('2025-11-23T02:51:00Z');
  const clock = { now: () => now };
  const store = new DynamoStateStore({ client: dynamo, tableName, clock });
  const notifier = new SnsNotifier({ client: sns, topicArn: TopicArn! });
  const pager = () =>
    new Pager({ store, notifier, clock, repageMinutes: 60, confirmCycles: 1, confirmSeconds: 0 });
  return { queue, store, notifier, clock, pager, advance: (minutes: number) => (now += minutes * 60_000) };
};

const attributes = (envelope: SnsEnvelope) =>
  JSON.parse(envelope.MessageAttributes!['chdr']!.Value) as Record<string, unknown>;

describe('paging through SNS with state in DynamoDB (moto)', () => {
  let env: Awaited<ReturnType<typeof environment>>;
  beforeEach(async () => {
    env = await environment();
  });

  it('a fault pages exactly once, not again on the next cycle, and a resolved message follows recovery', async () => {
    const pager = env.pager();

    await pager.process(standbyReport());
    expect(await env.queue.take()).toEqual([]);

    env.advance(1);
    await pager.process(standbyReport({ lagSeconds: 412 }));
    const pages = await env.queue.take();
    expect(pages).toHaveLength(1);
    expect(pages[0]!.Subject).toBe('[CRITICAL] analytics/standby heartbeat-lag from primary');
    expect(pages[0]!.Message).toContain('What is wrong:');
    expect(pages[0]!.MessageAttributes!['event']).toEqual({ Type: 'String', Value: 'critical' });
    expect(attributes(pages[0]!)).toMatchObject({
      event: 'critical',
      site: 'standby',
      checks: [{ kind: 'heartbeat-lag', subject: 'primary' }],
    });

    env.advance(1);
    await pager.process(standbyReport({ lagSeconds: 470 }));
    expect(await env.queue.take()).toEqual([]);

    env.advance(1);
    await pager.process(standbyReport());
    const resolved = await env.queue.take();
    expect(resolved.map((m) => m.Subject)).toEqual([
      '[RESOLVED] analytics/standby heartbeat-lag from primary after 2 min',
    ]);
    expect(await pager.openProblems('analytics', 'standby')).toEqual([]);
  });

  it('two overlapping invocations page once: the conditional write in DynamoDB decides', async () => {
    const results = await Promise.all([
      env.pager().process(standbyReport({ lagSeconds: 412 })),
      env.pager().process(standbyReport({ lagSeconds: 412 })),
    ]);

    expect(await env.queue.take()).toHaveLength(1);
    expect(results.map((r) => r.sent).sort()).toEqual([0, 1]);
  });

  it('re-pages after the interval with the state kept in DynamoDB', async () => {
    await env.pager().process(standbyReport({ lagSeconds: 412 }));
    env.advance(60);

    await env.pager().process(standbyReport({ lagSeconds: 3000 }));

    expect((await env.queue.take()).map((m) => m.Subject)).toEqual([
      '[CRITICAL] analytics/standby heartbeat-lag from primary',
      '[STILL CRITICAL] analytics/standby heartbeat-lag from primary for 1 h',
    ]);
  });

  it('a paused site sends one notice and no page while its cycles go on', async () => {
    const pauses = new Pauses({
      store: env.store,
      notifier: env.notifier,
      cluster: 'analytics',
      clock: env.clock,
    });
    await pauses.pauseSite('standby', new Date(env.clock.now() + 30 * 60_000), 'Keeper upgrade', 'alice');

    await env.pager().process(standbyReport({ lagSeconds: 412 }));
    env.advance(5);
    await env.pager().process(standbyReport({ lagSeconds: 412 }));

    const messages = await env.queue.take();
    expect(messages.map((m) => m.MessageAttributes!['event']!.Value)).toEqual(['paused']);
    expect(messages[0]!.Message).toContain('Why:    Keeper upgrade');
  });
});
