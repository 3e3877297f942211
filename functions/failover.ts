import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { handleOperatorEvent, loadFailoverRuntime, once } from '../lib/lambda/index.js';

// On demand only: failover, recover, failback, switchover, plan, history, and pause/resume of pages.
// Without the exact confirmation string (e.g. "FAILOVER primary->standby") an operation only returns its
// plan. Lambda does not hand the caller's IAM principal to the function (CloudTrail's Invoke event has
// it), so the journal records the function and request id as the starter unless the event says `who`.
const logger = new Logger({ serviceName: 'chdr-failover' });
const runtime = once(() => loadFailoverRuntime(process.env));

const failover = async (event: unknown, context: Context) => {
  const loaded = await runtime();
  const result = await handleOperatorEvent(
    event,
    {
      ...loaded,
      failover: {
        ...loaded.failover,
        deps: { ...loaded.failover.deps, log: (line: string) => logger.info(line) },
      },
    },
    `lambda:${context.functionName}/${context.awsRequestId}`,
  );
  logger.info('request handled', { mode: result.mode, message: result.message });
  return result;
};

export const handler = middy(failover).use(injectLambdaContext(logger, { resetKeys: true }));
