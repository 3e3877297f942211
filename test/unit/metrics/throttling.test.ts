import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MetricsPublisher, createCloudWatchClient, type PublishedDatum } from '../../../lib/metrics/index.js';

// No aws-sdk-client-mock here: these tests go through the real client and its retry middleware.

const datum: PublishedDatum = {
  MetricName: 'CycleRan',
  Dimensions: [
    { Name: 'Cluster', Value: 'analytics' },
    { Name: 'Site', Value: 'primary' },
  ],
  Unit: 'Count',
  Value: 1,
  Timestamp: new Date('2025-11-23T02:51:00Z'),
};

/** A request handler that answers like CloudWatch (JSON protocol): throttled `throttles` times, then OK. */
const throttlingHandler = (throttles: number) => {
  const requests: unknown[] = [];
  return {
    requests,
    metadata: { handlerProtocol: 'h1' },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
    handle: async (request: unknown) => {
      requests.push(request);
      const throttled = requests.length <= throttles;
      const body = throttled ? JSON.stringify({ __type: 'Throttling', message: 'Rate exceeded' }) : '{}';
      return {
        // Plain object: the SDK recognises a response by its shape (statusCode, headers, body).
        response: {
          statusCode: throttled ? 400 : 200,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            ...(throttled ? { 'x-amzn-query-error': 'Throttling;Sender' } : {}),
          },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
  };
};

describe('throttling', () => {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

  it('is retried with backoff by the SDK until PutMetricData goes through', async () => {
    const handler = throttlingHandler(2);
    const client = await createCloudWatchClient({
      region: 'us-west-2',
      credentials,
      requestHandler: handler,
    });
    const publisher = new MetricsPublisher({ client, namespace: 'CHDR' });

    const result = await publisher.publish([datum]);

    expect(result.calls).toBe(1);
    expect(handler.requests).toHaveLength(3);
  });

  it('gives up after the configured attempts with a typed error', async () => {
    const handler = throttlingHandler(99);
    const client = await createCloudWatchClient({
      region: 'us-west-2',
      credentials,
      requestHandler: handler,
      maxAttempts: 2,
    });
    const publisher = new MetricsPublisher({ client, namespace: 'CHDR' });

    const error = await publisher.publish([datum]).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'METRICS_PUBLISH_FAILED', failedCalls: 1 });
    expect(handler.requests).toHaveLength(2);
  });
});
