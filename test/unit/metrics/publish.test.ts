import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_DATUMS_PER_CALL,
  MAX_PAYLOAD_BYTES,
  MetricsError,
  MetricsPublisher,
  chunkMetricData,
  estimateDatumBytes,
  metricDataFromReport,
  type PublishedDatum,
} from '../../../lib/metrics/index.js';
import { standbyReport } from './reports.js';

const datum = (i: number, dimensionValue = 'primary'): PublishedDatum => ({
  MetricName: `Metric${i}`,
  Dimensions: [
    { Name: 'Cluster', Value: 'analytics' },
    { Name: 'Site', Value: dimensionValue },
  ],
  Unit: 'Count',
  Value: i,
  Timestamp: new Date('2025-11-23T02:51:00Z'),
});

const cloudWatch = mockClient(CloudWatchClient);
afterEach(() => cloudWatch.reset());

describe('MetricsPublisher', () => {
  it('sends a whole cycle in one PutMetricData call', async () => {
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const data = metricDataFromReport(standbyReport());
    const publisher = new MetricsPublisher({
      client: new CloudWatchClient({ region: 'us-west-2' }),
      namespace: 'CHDR',
    });

    const result = await publisher.publish(data);

    expect(result).toEqual({ calls: 1, datums: data.length });
    const calls = cloudWatch.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Namespace: 'CHDR', MetricData: data });
  });

  it('splits at 1000 datums per call and no further', async () => {
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const data = Array.from({ length: MAX_DATUMS_PER_CALL * 2 + 1 }, (_, i) => datum(i));
    const publisher = new MetricsPublisher({
      client: new CloudWatchClient({ region: 'us-west-2' }),
      namespace: 'CHDR',
    });

    const result = await publisher.publish(data);

    expect(result.calls).toBe(3);
    const sizes = cloudWatch
      .commandCalls(PutMetricDataCommand)
      .map((call) => call.args[0].input.MetricData!.length);
    expect(sizes).toEqual([1000, 1000, 1]);
  });

  it('sends nothing when there is nothing to publish', async () => {
    const publisher = new MetricsPublisher({
      client: new CloudWatchClient({ region: 'us-west-2' }),
      namespace: 'CHDR',
    });

    expect(await publisher.publish([])).toEqual({ calls: 0, datums: 0 });
    expect(cloudWatch.commandCalls(PutMetricDataCommand)).toHaveLength(0);
  });

  it('sends every chunk and then fails with a typed error naming how many failed', async () => {
    cloudWatch
      .on(PutMetricDataCommand)
      .rejectsOnce(Object.assign(new Error('Access denied'), { name: 'AccessDenied' }))
      .resolves({});
    const data = Array.from({ length: 1500 }, (_, i) => datum(i));
    const publisher = new MetricsPublisher({
      client: new CloudWatchClient({ region: 'us-west-2' }),
      namespace: 'CHDR',
    });

    const error = await publisher.publish(data).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MetricsError);
    expect(error).toMatchObject({ code: 'METRICS_PUBLISH_FAILED', calls: 2, failedCalls: 1 });
    expect((error as MetricsError).cause).toMatchObject({ name: 'AccessDenied' });
    expect(cloudWatch.commandCalls(PutMetricDataCommand)).toHaveLength(2);
  });
});

describe('chunkMetricData', () => {
  it('splits before the 1 MB payload limit when datums are large', () => {
    const big = 'x'.repeat(1000);
    const data = Array.from({ length: 900 }, (_, i) => ({
      ...datum(i),
      Dimensions: Array.from({ length: 5 }, (_, d) => ({ Name: `D${d}`, Value: `${big}${i}` })),
    }));

    const chunks = chunkMetricData(data);

    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(data);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(MAX_DATUMS_PER_CALL);
      const body = JSON.stringify({ Namespace: 'CHDR', MetricData: chunk });
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_PAYLOAD_BYTES);
    }
  });

  it('estimates a datum at least as large as its JSON encoding', () => {
    const d = datum(7);
    expect(estimateDatumBytes(d)).toBeGreaterThanOrEqual(
      Buffer.byteLength(JSON.stringify({ ...d, Timestamp: 1763866260 })),
    );
  });
});
