import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeAlarmsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { Pager, SnsNotifier } from '../../lib/alerts/index.js';
import type { MonitorSummary } from '../../lib/lambda/index.js';
import { createCloudWatchClient } from '../../lib/metrics/index.js';
import { DynamoStateStore } from '../../lib/state/dynamo.js';
import {
  awsClientConfig,
  startMoto,
  subscribedQueue,
  useFunctionEnvironment,
  type MotoServer,
} from '../support/moto.js';
import { packageStack, type CfnResource } from '../unit/infra/package.js';
import { referenceTopology, standbyReport } from '../unit/metrics/reports.js';

/**
 * Deploys what `serverless package` produced for the standby site of the local test cluster's topology into
 * moto by hand (moto's CloudFormation skips AWS::CloudWatch::Alarm): the topic, the state table, every
 * alarm with PutMetricAlarm and the dashboard. Then the real monitor handler runs one cycle against the
 * local cluster with that table and topic, and a fault goes through the pager, to show the pieces fit: every
 * alarm has data from a real cycle, alarms notify the topic people subscribe to, and the agent's state lives
 * in the table the template creates.
 */

const SITE = 'standby';
const REGION = 'us-west-2';
const topology = referenceTopology();

let moto: MotoServer;
let cloudWatch: CloudWatchClient;
let sns: SNSClient;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let resources: Record<string, CfnResource>;
let topicArn: string;
let alarmsTopicArn: string;
let tableName: string;
let queue: Awaited<ReturnType<typeof subscribedQueue>>;

/** Replaces `{ Ref: 'PagesTopic' }` and `{ Ref: 'AlarmsTopic' }` with the topics' ARNs, as CloudFormation would. */
const resolveRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(resolveRefs);
  if (!value || typeof value !== 'object') return value;
  const ref = 'Ref' in value ? (value as { Ref: unknown }).Ref : undefined;
  if (ref === 'PagesTopic') return topicArn;
  if (ref === 'AlarmsTopic') return alarmsTopicArn;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v)]));
};

/**
 * The test cluster's topology as it could be deployed: its 5 s lag warning suits `chdr agent --interval 2`,
 * but a deployment refuses a warning under two schedule periods (2 min with rate(1 minute)).
 */
const deployableTopology = (() => {
  const raw = parse(readFileSync(inject('topologyPath'), 'utf8')) as { thresholds?: object };
  raw.thresholds = { ...raw.thresholds, heartbeatLagWarnSeconds: 120, heartbeatLagCriticalSeconds: 300 };
  const path = join(mkdtempSync(join(tmpdir(), 'chdr-alarms-')), 'topology.yaml');
  writeFileSync(path, stringify(raw));
  return path;
})();

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

beforeAll(async () => {
  // Side by side, but moto is kept even when packaging fails, so that afterAll stops it.
  const motoStarted = startMoto().then((server) => (moto = server));
  const packaged = packageStack(SITE, REGION, { config: deployableTopology });
  packaged.catch(() => undefined); // its failure is reported by the await below, not as unhandled
  await motoStarted;
  ({ resources } = await packaged);
  const config = awsClientConfig(moto.endpoint, REGION);
  cloudWatch = await createCloudWatchClient(config);
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
  dynamo = new DynamoDBClient(config);

  const topic = resources['PagesTopic']!.Properties;
  topicArn = (await sns.send(new CreateTopicCommand({ Name: topic['TopicName'] as string }))).TopicArn!;
  queue = await subscribedQueue(sns, sqs, topicArn, 'on-call');
  const alarmsTopic = resources['AlarmsTopic']!.Properties;
  alarmsTopicArn = (await sns.send(new CreateTopicCommand({ Name: alarmsTopic['TopicName'] as string })))
    .TopicArn!;

  const table = resources['StateTable']!.Properties;
  tableName = table['TableName'] as string;
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: table['BillingMode'] as CreateTableCommandInput['BillingMode'],
      KeySchema: table['KeySchema'] as CreateTableCommandInput['KeySchema'],
      AttributeDefinitions: table['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
    }),
  );
  const ttl = table['TimeToLiveSpecification'] as { AttributeName: string; Enabled: boolean };
  await dynamo.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));

  for (const [, alarm] of ofType('AWS::CloudWatch::Alarm')) {
    await cloudWatch.send(
      new PutMetricAlarmCommand(
        resolveRefs(alarm.Properties) as ConstructorParameters<typeof PutMetricAlarmCommand>[0],
      ),
    );
  }
  const dashboard = resources['Dashboard']!.Properties;
  await cloudWatch.send(
    new PutDashboardCommand({
      DashboardName: dashboard['DashboardName'] as string,
      DashboardBody: dashboard['DashboardBody'] as string,
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const client of [cloudWatch, sns, sqs, dynamo]) client?.destroy();
  await moto?.stop();
});

type MonitorHandler = (event: ScheduledEvent, context: Context) => Promise<MonitorSummary>;

/**
 * The real scheduled handler of each site (each its own module instance, as each region runs its own
 * function), with the template's table and topic, cycling until the standby is healthy: a standby only
 * measures heartbeat lag once the primary's agent has written a heartbeat that reached it.
 */
const runMonitorHandlersUntilHealthy = async (): Promise<MonitorSummary> => {
  const restore = useFunctionEnvironment(moto, REGION, {
    config: deployableTopology,
    site: SITE,
    stateTable: tableName,
    topicArn,
  });
  try {
    const handlers: [string, MonitorHandler][] = [];
    for (const site of ['primary', SITE]) {
      process.env.CHDR_SITE = site;
      vi.resetModules();
      handlers.push([
        site,
        ((await import('../../functions/monitor.js')) as { handler: MonitorHandler }).handler,
      ]);
      // The first invocation resolves the runtime with this site's environment.
      await handlers.at(-1)![1](scheduledEvent, contextOf(site));
    }
    let standby: MonitorSummary | undefined;
    for (let cycle = 0; cycle < 30 && standby?.status !== 'ok'; cycle++) {
      if (cycle > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const [site, handler] of handlers) {
        const summary = await handler(scheduledEvent, contextOf(site));
        if (site === SITE) standby = summary;
      }
    }
    return standby!;
  } finally {
    restore();
  }
};

const scheduledEvent = {
  id: 'evt-alarms',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as ScheduledEvent;
const contextOf = (site: string) =>
  ({
    functionName: `chdr-local-${site}-monitor`,
    awsRequestId: `req-alarms-${site}`,
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

const describeAllAlarms = async (): Promise<MetricAlarm[]> =>
  (await cloudWatch.send(new DescribeAlarmsCommand({ MaxRecords: 100 }))).MetricAlarms ?? [];

describe('the packaged stack in moto', () => {
  it('has every alarm of the template, each notifying the topic the on-call queue is subscribed to', async () => {
    const alarms = await describeAllAlarms();

    expect(alarms).toHaveLength(ofType('AWS::CloudWatch::Alarm').length);
    const subscriptions =
      (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    expect(subscriptions.map((s) => s.Endpoint)).toContain(queue.queueArn);
    // Only the dead-agent alarms reach the people on call; the rest watch what the agent pages itself.
    for (const alarm of alarms) {
      const topic = ['CycleRan', 'AgentErrors'].includes(alarm.MetricName!) ? topicArn : alarmsTopicArn;
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([topic]);
      expect(alarm.OKActions, alarm.AlarmName).toEqual([topic]);
    }
    expect(alarms.find((a) => a.MetricName === 'CycleRan')).toMatchObject({
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  it('gives every alarm data: after real cycles of both sites’ handlers each watched series exists and has a value at the alarm’s period and statistic', async () => {
    const summary = await runMonitorHandlersUntilHealthy();
    expect(summary).toMatchObject({ site: SITE, status: 'ok' });
    const alarms = await describeAllAlarms();
    expect(alarms.length).toBeGreaterThan(10);
    const at = Date.now();

    const data = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(at - 10 * 60_000),
        EndTime: new Date(at + 10 * 60_000),
        MetricDataQueries: alarms.map((alarm, i) => ({
          Id: `a${i}`,
          Label: alarm.AlarmName!,
          MetricStat: {
            Metric: {
              Namespace: alarm.Namespace!,
              MetricName: alarm.MetricName!,
              Dimensions: alarm.Dimensions!,
            },
            Period: alarm.Period!,
            Stat: alarm.Statistic!,
          },
        })),
      }),
    );

    for (const alarm of alarms) {
      const listed = await cloudWatch.send(
        new ListMetricsCommand({
          Namespace: alarm.Namespace!,
          MetricName: alarm.MetricName!,
          Dimensions: alarm.Dimensions!.map((d) => ({ Name: d.Name!, Value: d.Value! })),
        }),
      );
      const exact = (listed.Metrics ?? []).filter(
        (metric) => JSON.stringify(metric.Dimensions) === JSON.stringify(alarm.Dimensions),
      );
      expect(exact.length, alarm.AlarmName).toBeGreaterThan(0);
      const values = data.MetricDataResults!.find((result) => result.Label === alarm.AlarmName)!.Values;
      expect(values!.length, alarm.AlarmName).toBeGreaterThan(0);
    }
  });

  it('keeps the dashboard, with both lag directions', async () => {
    const dashboard = resources['Dashboard']!.Properties;

    const stored = await cloudWatch.send(
      new GetDashboardCommand({ DashboardName: dashboard['DashboardName'] as string }),
    );

    expect(stored.DashboardBody).toBe(dashboard['DashboardBody']);
    expect(stored.DashboardBody).toContain('"SourceSite","primary",{"region":"us-west-2"');
    expect(stored.DashboardBody).toContain('"SourceSite","standby",{"region":"us-east-1"');
  });

  it('pages once through the template’s topic with paging state in the template’s table', async () => {
    const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
    const store = new DynamoStateStore({ client: dynamo, tableName });
    const pager = new Pager({
      store,
      notifier: new SnsNotifier({ client: sns, topicArn }),
      repageMinutes: topology.alerts.repageMinutes,
      // Two cycles confirm it; the seconds floor is covered by incident-paging.test.ts.
      confirmCycles: 2,
      confirmSeconds: 0,
    });
    await queue.take();

    await pager.process(standbyReport({ lagSeconds: 412 }));
    await pager.process(standbyReport({ lagSeconds: 412 }));

    const messages = await queue.take();
    expect(messages.map((m) => m.Subject)).toEqual([
      '[CRITICAL] analytics/standby heartbeat-lag from primary',
    ]);
    expect(await pager.openProblems('analytics', SITE)).toHaveLength(1);
  });
});
