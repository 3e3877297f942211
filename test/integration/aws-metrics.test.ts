import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MetricsPublisher,
  agentErrorData,
  createCloudWatchClient,
  metricDataFromReport,
  type PublishedDatum,
} from '../../lib/metrics/index.js';
import { awsClientConfig, startMoto, type MotoServer } from '../support/moto.js';
import { cycleReport } from '../unit/infra/cycle-report.js';
import { referenceTopology } from '../unit/metrics/reports.js';

let moto: MotoServer;
let cloudWatch: CloudWatchClient;

beforeAll(async () => {
  moto = await startMoto();
  cloudWatch = await createCloudWatchClient(awsClientConfig(moto.endpoint, 'us-west-2'));
});
afterAll(async () => {
  cloudWatch?.destroy();
  await moto?.stop();
});

const readBack = async (
  namespace: string,
  data: readonly PublishedDatum[],
  at: Date,
): Promise<Map<string, number[]>> => {
  const queries: MetricDataQuery[] = data.map((datum, i) => ({
    Id: `m${i}`,
    Label: `${datum.MetricName} ${datum.Dimensions.map((d) => d.Value).join('/')}`,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: datum.MetricName, Dimensions: datum.Dimensions },
      Period: 60,
      Stat: 'Maximum',
    },
  }));
  const out = await cloudWatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(at.getTime() - 5 * 60_000),
      EndTime: new Date(at.getTime() + 5 * 60_000),
    }),
  );
  return new Map((out.MetricDataResults ?? []).map((result) => [result.Label!, result.Values ?? []]));
};

describe('metrics on CloudWatch (moto)', () => {
  // The real cycle's datums are read back in monitor-handler.test.ts; this report comes from the fixtures
  // (Keeper replies reconstructed from source), to cover the Keeper topology the local cluster cannot run.
  it('publishes a fixture-fed cycle report of the Keeper reference topology in one call and reads every metric back', async () => {
    const topology = referenceTopology();
    const report = await cycleReport(topology, 'standby', Date.now());
    const data = metricDataFromReport(report);
    const publisher = new MetricsPublisher({ client: cloudWatch, namespace: topology.metrics.namespace });

    const result = await publisher.publish(data);

    expect(result).toEqual({ calls: 1, datums: data.length });
    const values = await readBack(topology.metrics.namespace, data, new Date(report.startedAt));
    for (const datum of data) {
      const label = `${datum.MetricName} ${datum.Dimensions.map((d) => d.Value).join('/')}`;
      expect(values.get(label), label).toEqual([datum.Value]);
    }
    expect(values.get('HeartbeatLagSeconds analytics/standby/primary')).toEqual([2]);
    expect(values.get('CycleRan analytics/standby')).toEqual([1]);
  });

  // The handler's path (middy onError when a cycle throws) is run in monitor-handler.test.ts.
  it('publishes the agent-error datum and reads it back', async () => {
    const at = new Date();
    const data = agentErrorData({ cluster: 'analytics', site: 'primary', at });

    await new MetricsPublisher({ client: cloudWatch, namespace: 'CHDR' }).publish(data);

    expect((await readBack('CHDR', data, at)).get('AgentErrors analytics/primary')).toEqual([1]);
  });
});
