import type { NodeRole } from '../health/index.js';

/**
 * PutMetricData limits (CloudWatch API reference, PutMetricData): at most 1000 metric data per request and
 * 1 MB per request body. The byte budget keeps a margin below the limit for the request envelope.
 */
export const MAX_DATUMS_PER_CALL = 1000;
export const MAX_PAYLOAD_BYTES = 1_000_000;
/** Bytes reserved for the request envelope (namespace, JSON framing) out of MAX_PAYLOAD_BYTES. */
export const PAYLOAD_ENVELOPE_BYTES = 2_048;

/**
 * Attempts per PutMetricData call, counting the first. The SDK's standard retry strategy retries throttling
 * and transient errors with exponential backoff and full jitter; chdr only raises the number of attempts.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The dimension names chdr publishes: one time series per site (and per source site for heartbeat lag). */
export const DIMENSIONS = {
  cluster: 'Cluster',
  site: 'Site',
  sourceSite: 'SourceSite',
} as const;

/** Coordination node roles that mean the node does not serve. */
export const DOWN_ROLES: ReadonlySet<NodeRole> = new Set<NodeRole>(['unreachable', 'not-serving']);

/** List prices (USD, us-east-1, standard resolution) used by the cost model in docs/metrics.md. */
export const PRICES_USD = {
  /** Per custom metric (name + dimension combination) per month, first 10,000 metrics. */
  customMetricMonth: 0.3,
  /** Per 1,000 PutMetricData (and other metric API) requests. */
  apiRequestsPer1000: 0.01,
  /** Per standard-resolution alarm per month. */
  alarmMonth: 0.1,
  /** Per dashboard per month (the first three of an account are free). */
  dashboardMonth: 3,
} as const;

/** Hours in the month the cost model uses (AWS bills metrics hourly, prorated over 730 hours). */
export const HOURS_PER_MONTH = 730;

/** AWS Lambda list prices (us-east-1): per request and per GB-second of billed duration, by architecture. */
export const LAMBDA_PRICES_USD = {
  requestsPerMillion: 0.2,
  gbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
} as const;

/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB. */
export const LAMBDA_MB_PER_VCPU = 1769;
