import { ChdrError } from '../errors/index.js';

export const METRICS_ERROR_CODES = {
  publishFailed: 'METRICS_PUBLISH_FAILED',
  badSchedule: 'METRICS_BAD_SCHEDULE',
} as const;

/** PutMetricData failed after the SDK's retries; `failedCalls` of `calls` requests did not go through. */
export class MetricsError extends ChdrError {
  readonly calls: number;
  readonly failedCalls: number;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; calls?: number; failedCalls?: number } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.calls = options.calls ?? 0;
    this.failedCalls = options.failedCalls ?? 0;
  }
}
