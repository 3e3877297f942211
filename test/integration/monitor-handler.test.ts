import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadTopology } from '../../lib/config/index.js';
import type { MonitorSummary } from '../../lib/lambda/index.js';
import { startFetches, stopFetches } from '../../lib/localcluster/index.js';
import {
  awsClientConfig,
  createStateTable,
  startMoto,
  useFunctionEnvironment,
  subscribedQueue,
  type MotoServer,
  type SnsEnvelope,
} from '../support/moto.js';

// Issue 4 acceptance: the real scheduled handler (middy, Powertools logger, DynamoDB state, SNS, CloudWatch)
// for each site, against the real local cluster and moto's server for every AWS API.
const clusterDir = inject('clusterDir');
const REGION = 'us-east-1';
const TABLE = 'chdr-local-state';

/**
 * The test cluster's topology, paging on the first critical cycle: these cases are about the handler's
 * transitions; confirmation over cycles and seconds has its own tests (incident-paging.test.ts).
 */
const topologyPath = (() => {
  const raw = parse(readFileSync(inject('topologyPath'), 'utf8')) as Record<string, unknown>;
  raw['alerts'] = { ...(raw['alerts'] as object | undefined), confirmCycles: 1, confirmSeconds: 0 };
  const path = join(mkdtempSync(join(tmpdir(), 'chdr-handler-')), 'topology.yaml');
  writeFileSync(path, stringify(raw));
  return path;
})();

let moto: MotoServer;
let clients: { sns: SNSClient; sqs: SQSClient; dynamo: DynamoDBClient; cloudwatch: CloudWatchClient };
let queue: Awaited<ReturnType<typeof subscribedQueue>>;
type Handler = (event: ScheduledEvent, context: Context) => Promise<MonitorSummary>;
const handlers = new Map<string, Handler>();
let restoreEnv = () => {};

const context = (site: string): Context =>
  ({
    functionName: `chdr-local-${site}-monitor`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:chdr-local-${site}-monitor`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Date.now()}`,
    logGroupName: '/aws/lambda/chdr',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

const event = {
  id: 'evt-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as unknown as ScheduledEvent;

/** Each site's handler is its own module instance, as each region runs its own function. */
const loadHandler = async (site: string): Promise<Handler> => {
  process.env.CHDR_SITE = site;
  vi.resetModules();
  const module = (await import('../../functions/monitor.js')) as { handler: Handler };
  await module.handler(event, context(site)); // cold start resolves config with this site's environment
  return module.handler;
};

const cycleBoth = async () => {
  const results = new Map<string, MonitorSummary>();
  for (const [site, handler] of handlers) results.set(site, await handler(event, context(site)));
  return results;
};

const pages = (messages: SnsEnvelope[]) => messages.map((message) => message.Subject ?? '');

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, REGION);
  clients = {
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    dynamo: new DynamoDBClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: 'chdr-local-pages' }));
  queue = await subscribedQueue(clients.sns, clients.sqs, TopicArn!, 'pages');
  await createStateTable(clients.dynamo, TABLE);
  restoreEnv = useFunctionEnvironment(moto, REGION, {
    config: topologyPath,
    site: 'primary',
    stateTable: TABLE,
    topicArn: TopicArn!,
  });
  for (const site of ['primary', 'standby']) handlers.set(site, await loadHandler(site));
});

afterAll(async () => {
  restoreEnv();
  for (const client of Object.values(clients ?? {})) client.destroy();
  await moto?.stop();
});

describe('scheduled monitor handler against the local cluster and moto', () => {
  it('publishes every cycle metric, read back with GetMetricData', async () => {
    const results = await cycleBoth();
    expect([...results.values()].every((summary) => summary.datums > 10)).toBe(true);
    const namespace = (await loadTopology(topologyPath)).metrics.namespace;
    const now = new Date();
    const { MetricDataResults } = await clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 10 * 60_000),
        EndTime: new Date(now.getTime() + 60_000),
        MetricDataQueries: ['primary', 'standby'].map((site, i) => ({
          Id: `ran${i}`,
          MetricStat: {
            Metric: {
              Namespace: namespace,
              MetricName: 'CycleRan',
              Dimensions: [
                { Name: 'Cluster', Value: 'local' },
                { Name: 'Site', Value: site },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
        })),
      }),
    );
    for (const result of MetricDataResults!)
      expect(result.Values!.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });

  it('pages exactly once for stopped fetches, not again on the next cycle, and sends a resolved message after recovery', async () => {
    // Start from a healthy cluster (an earlier file may have just healed a fault), then forget the warm-up.
    let healthy = false;
    for (let cycle = 0; cycle < 30 && !healthy; cycle++) {
      healthy = [...(await cycleBoth()).values()].every((summary) => summary.status === 'ok');
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(healthy).toBe(true);
    await queue.take();

    await stopFetches(clusterDir, 'ch3');
    let critical = false;
    try {
      for (let cycle = 0; cycle < 20 && !critical; cycle++) {
        critical = (await cycleBoth()).get('standby')!.status === 'critical';
        if (!critical) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(critical).toBe(true);
      const firstPages = pages(await queue.take());
      expect(firstPages.filter((subject) => subject.startsWith('[CRITICAL]'))).toHaveLength(1);
      expect(firstPages[0]).toContain('local/standby');

      await cycleBoth();
      expect(pages(await queue.take()).filter((subject) => subject.startsWith('[CRITICAL]'))).toEqual([]);
    } finally {
      await startFetches(clusterDir, 'ch3');
    }

    let resolved: string[] = [];
    for (let cycle = 0; cycle < 30 && resolved.length === 0; cycle++) {
      await cycleBoth();
      resolved = pages(await queue.take()).filter((subject) => subject.startsWith('[RESOLVED]'));
      if (resolved.length === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toContain('local/standby');
  });
  it('sends no page for a paused site while its metrics continue, and pages again after resume', async () => {
    process.env.CHDR_SITE = 'standby';
    vi.resetModules();
    const { handler: operator } = (await import('../../functions/failover.js')) as {
      handler: (event: unknown, context: Context) => Promise<{ mode: string }>;
    };
    let healthy = false;
    for (let cycle = 0; cycle < 30 && !healthy; cycle++) {
      healthy = [...(await cycleBoth()).values()].every((summary) => summary.status === 'ok');
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await queue.take();

    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      await operator({ action: 'pause', site: 'standby', until, reason: 'drill' }, context('standby')),
    ).toMatchObject({ mode: 'paused' });
    const notice = pages(await queue.take());
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatch(/paus/i);

    await stopFetches(clusterDir, 'ch3');
    try {
      let standby: MonitorSummary | undefined;
      for (let cycle = 0; cycle < 20 && standby?.status !== 'critical'; cycle++) {
        standby = (await cycleBoth()).get('standby')!;
        if (standby.status !== 'critical') await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      expect(standby).toMatchObject({ status: 'critical', pagesSent: 0 });
      expect(standby!.datums).toBeGreaterThan(10);
      expect(pages(await queue.take()).filter((subject) => subject.includes('local/standby'))).toEqual([]);

      expect(await operator({ action: 'resume', site: 'standby' }, context('standby'))).toMatchObject({
        mode: 'resumed',
      });
      await cycleBoth();
      expect(
        pages(await queue.take()).filter((subject) => subject.startsWith('[CRITICAL] local/standby')),
      ).toHaveLength(1);
    } finally {
      await startFetches(clusterDir, 'ch3');
    }
  });
});
