import type { MiddlewareObj } from '@middy/core';
import { agentErrorData } from '../data.js';
import type { MetricsPublisher } from '../publish.js';

export interface AgentErrorMetricOptions {
  publisher: Pick<MetricsPublisher, 'publish'>;
  /** Cluster and site of this deployment; known before the cycle runs. */
  where: () => { cluster: string; site: string };
  now?: () => Date;
  /** Called when publishing the error metric fails too; the original error is rethrown either way. */
  onPublishError?: (error: unknown) => void;
}

/**
 * Publishes AgentErrors = 1 when the handler throws, then lets the error propagate (never a silent return).
 * Put it first in `use()` so that its `onError` runs last, after the other middlewares had their say.
 */
export const agentErrorMetric = (options: AgentErrorMetricOptions): MiddlewareObj => {
  const now = options.now ?? (() => new Date());
  const agentErrorMetricOnError = async (): Promise<void> => {
    try {
      await options.publisher.publish(agentErrorData({ ...options.where(), at: now() }));
    } catch (error) {
      options.onPublishError?.(error);
    }
  };
  return { onError: agentErrorMetricOnError };
};
