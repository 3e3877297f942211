import type { CloudWatchClient, CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { describeError } from '../errors/index.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  MAX_DATUMS_PER_CALL,
  MAX_PAYLOAD_BYTES,
  PAYLOAD_ENVELOPE_BYTES,
} from './constants.js';
import { METRICS_ERROR_CODES, MetricsError } from './errors.js';
import type { PublishedDatum } from './types.js';

/** The SDK module, loaded on first use: a Lambda's module init stays config and code (issue 15). */
const sdk = () => import('@aws-sdk/client-cloudwatch');

export interface ChunkLimits {
  maxDatums: number;
  maxBytes: number;
}

const DEFAULT_LIMITS: ChunkLimits = {
  maxDatums: MAX_DATUMS_PER_CALL,
  maxBytes: MAX_PAYLOAD_BYTES - PAYLOAD_ENVELOPE_BYTES,
};

/** Upper estimate of a datum's share of the request body (JSON, as the SDK sends it, plus a separator). */
export const estimateDatumBytes = (datum: PublishedDatum): number =>
  Buffer.byteLength(
    JSON.stringify({
      ...datum,
      Timestamp: datum.Timestamp ? Math.floor(datum.Timestamp.getTime() / 1000) : undefined,
    }),
  ) + 1;

/** Splits datums into as few requests as the PutMetricData limits allow, keeping their order. */
export const chunkMetricData = (
  data: readonly PublishedDatum[],
  limits: ChunkLimits = DEFAULT_LIMITS,
): PublishedDatum[][] => {
  const chunks: PublishedDatum[][] = [];
  let current: PublishedDatum[] = [];
  let bytes = 0;
  for (const datum of data) {
    const size = estimateDatumBytes(datum);
    if (current.length > 0 && (current.length >= limits.maxDatums || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

/**
 * A CloudWatch client whose retry strategy fits a once-a-minute publisher: the SDK's standard strategy
 * (exponential backoff with jitter on throttling and transient errors) with more attempts than its default 3.
 */
export const createCloudWatchClient = async (
  config: CloudWatchClientConfig = {},
): Promise<CloudWatchClient> =>
  new (await sdk()).CloudWatchClient({ maxAttempts: DEFAULT_MAX_ATTEMPTS, retryMode: 'standard', ...config });

export interface PublishResult {
  calls: number;
  datums: number;
}

/** Publishes one cycle's datums: one PutMetricData call, more only past the API's limits. */
export class MetricsPublisher {
  private readonly client: Pick<CloudWatchClient, 'send'>;
  private readonly namespace: string;

  constructor(options: { client: Pick<CloudWatchClient, 'send'>; namespace: string }) {
    this.client = options.client;
    this.namespace = options.namespace;
  }

  /** Sends every chunk even when one fails, then throws a MetricsError naming how many failed. */
  async publish(data: readonly PublishedDatum[]): Promise<PublishResult> {
    const { PutMetricDataCommand } = await sdk();
    const chunks = chunkMetricData(data);
    const results = await Promise.allSettled(
      chunks.map((chunk) =>
        this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: chunk })),
      ),
    );
    const failures = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failures.length > 0) {
      const first = failures[0]!.reason as unknown;
      throw new MetricsError(
        METRICS_ERROR_CODES.publishFailed,
        `PutMetricData to ${this.namespace} failed for ${failures.length} of ${chunks.length} request(s): ${describeError(first)}`,
        { cause: first, calls: chunks.length, failedCalls: failures.length },
      );
    }
    return { calls: chunks.length, datums: data.length };
  }
}
