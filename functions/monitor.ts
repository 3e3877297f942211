import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { once } from '../lib/lambda/once.js';
import { agentErrorMetric } from '../lib/metrics/middleware/middy.js';

// One scheduled function does heartbeat and probing: they share the cycle's deadline, connections and
// one PutMetricData call, and a single "cycle ran" metric then proves both happened.
// Module init is this wiring only: the cycle's code, its config and the AWS SDK load on the first invocation
// (measured apart in the bench).
const logger = new Logger({ serviceName: 'chdr' });
const cycle = once(() => import('../lib/lambda/monitor.js'));
const runtime = once(async () => (await import('../lib/lambda/runtime.js')).loadMonitorRuntime(process.env));

const monitor = async (_event: ScheduledEvent, context: Context) => {
  const { result, summary } = await (await cycle()).runScheduledCycle(await runtime(), context);
  logger.info('cycle finished', { ...summary });
  if (summary.status !== 'ok')
    logger.warn('checks not ok', { checks: result.report.checks.filter((c) => c.status !== 'ok') });
  return summary;
};

export const handler = middy(monitor)
  // First in use(), so its onError runs last: a failed cycle still publishes AgentErrors, then rethrows.
  .use(
    agentErrorMetric({
      publisher: { publish: async (data) => (await runtime()).publisher.publish(data) },
      where: () => ({
        cluster: process.env.CHDR_CLUSTER ?? 'unknown',
        site: process.env.CHDR_SITE ?? 'unknown',
      }),
      onPublishError: (error) => logger.error('could not publish AgentErrors', { error }),
    }),
  )
  .use(injectLambdaContext(logger, { correlationIdPath: 'id', resetKeys: true }));
