import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
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
import { METRIC_CATALOG, type PublishedDatum } from '../../lib/metrics/index.js';
import { expectedStats, listedSeries, readBackStats, seriesKey } from '../support/metrics.js';
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
/** Every batch of datums the handlers handed to CloudWatch, in order, with the site that sent it. */
const published: { site: string; data: PublishedDatum[] }[] = [];
const startedAt = new Date();
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

/**
 * Records what this module instance's publisher sends, and still sends it: the record is the list of
 * datums to read back from CloudWatch, never a stand-in for it.
 */
const recordPublished = async (site: string) => {
  const { MetricsPublisher } = await import('../../lib/metrics/index.js');
  const publish = MetricsPublisher.prototype.publish;
  vi.spyOn(MetricsPublisher.prototype, 'publish').mockImplementation(function (this: unknown, data) {
    published.push({ site, data: [...data] });
    return publish.call(this, data);
  });
};

/** Each site's handler is its own module instance, as each region runs its own function. */
const loadHandler = async (site: string): Promise<Handler> => {
  process.env.CHDR_SITE = site;
  vi.resetModules();
  const module = (await import('../../functions/monitor.js')) as { handler: Handler };
  await recordPublished(site);
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
    const namespace = (await loadTopology(topologyPath)).metrics.namespace;
    for (const [site, summary] of results) {
      const last = published.filter((batch) => batch.site === site).at(-1)!.data;
      // The batch read back is the one this cycle published, and the cycle measured everything.
      expect(last, site).toHaveLength(summary.datums);
      expect(new Set(last.map((datum) => datum.MetricName)), site).toEqual(
        new Set(METRIC_CATALOG.map((metric) => metric.name)),
      );
    }

    const everything = published.flatMap((batch) => batch.data);
    const expected = expectedStats(everything);
    const stored = await readBackStats(clients.cloudwatch, namespace, everything, {
      from: new Date(startedAt.getTime() - 60_000),
      to: new Date(Date.now() + 60_000),
    });
    for (const [key, stats] of expected) {
      const read = stored.get(key);
      expect(read, key).toBeDefined();
      expect(read!.sampleCount, key).toBe(stats.sampleCount);
      expect(read!.sum, key).toBeCloseTo(stats.sum, 6);
      expect(read!.minimum, key).toBeCloseTo(stats.minimum, 6);
      expect(read!.maximum, key).toBeCloseTo(stats.maximum, 6);
    }
    // Nothing in the namespace that the cycles did not publish.
    expect(await listedSeries(clients.cloudwatch, namespace)).toEqual(
      [...new Set(everything.map(seriesKey))].sort(),
    );
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
      // Every message on the topic counts, whatever its subject: one incident, one page.
      const firstPages = pages(await queue.take());
      expect(firstPages).toHaveLength(1);
      expect(firstPages[0]).toMatch(/^\[CRITICAL\] local\/standby /);

      await cycleBoth();
      expect(pages(await queue.take())).toEqual([]);
    } finally {
      await startFetches(clusterDir, 'ch3');
    }

    let resolved: string[] = [];
    for (let cycle = 0; cycle < 30 && resolved.length === 0; cycle++) {
      await cycleBoth();
      resolved = pages(await queue.take());
      if (resolved.length === 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatch(/^\[RESOLVED\] local\/standby /);
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
    expect(healthy).toBe(true);
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
      expect(pages(await queue.take())).toEqual([]);

      expect(await operator({ action: 'resume', site: 'standby' }, context('standby'))).toMatchObject({
        mode: 'resumed',
      });
      const resumedNotice = pages(await queue.take());
      expect(resumedNotice).toHaveLength(1);
      expect(resumedNotice[0]).toMatch(/resum/i);
      await cycleBoth();
      const afterResume = pages(await queue.take());
      expect(afterResume).toHaveLength(1);
      expect(afterResume[0]).toMatch(/^\[CRITICAL\] local\/standby /);
    } finally {
      await startFetches(clusterDir, 'ch3');
    }
  });

  it('publishes AgentErrors through the middy stack when the cycle throws, and rethrows', async () => {
    // A state table that does not exist: the runtime loads, the cycle's first DynamoDB read throws.
    const site = 'primary';
    const table = process.env.CHDR_STATE_TABLE;
    process.env.CHDR_SITE = site;
    process.env.CHDR_STATE_TABLE = 'chdr-local-missing-state';
    vi.resetModules();
    const { handler } = (await import('../../functions/monitor.js')) as { handler: Handler };
    const namespace = (await loadTopology(inject('topologyPath'))).metrics.namespace;
    const series = {
      MetricName: 'AgentErrors',
      Dimensions: [
        { Name: 'Cluster', Value: 'local' },
        { Name: 'Site', Value: site },
      ],
    };
    const cycleRan = { ...series, MetricName: 'CycleRan' };
    const window = { from: new Date(startedAt.getTime() - 60_000), to: new Date(Date.now() + 120_000) };
    const countsBefore = await readBackStats(clients.cloudwatch, namespace, [series, cycleRan], window);
    try {
      await expect(handler(event, context(site))).rejects.toThrow(/chdr-local-missing-state|not found/i);
    } finally {
      process.env.CHDR_STATE_TABLE = table;
    }

    const countsAfter = await readBackStats(clients.cloudwatch, namespace, [series, cycleRan], window);
    const before = countsBefore.get(seriesKey(series))!;
    // Every good cycle publishes AgentErrors = 0; the failed one added exactly one datum of 1.
    expect(before.maximum).toBe(0);
    expect(countsAfter.get(seriesKey(series))).toEqual({
      sampleCount: before.sampleCount + 1,
      sum: 1,
      minimum: 0,
      maximum: 1,
    });
    // A failed cycle does not count as a cycle that ran: the dead man's switch still sees it.
    expect(countsAfter.get(seriesKey(cycleRan))).toEqual(countsBefore.get(seriesKey(cycleRan)));
  });
});
