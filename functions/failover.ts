import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { handleFailoverEvent } from '../lib/failover/index.js';
import { loadFailoverRuntime, once } from '../lib/lambda/index.js';

// On demand only. Without the exact confirmation string (e.g. "FAILOVER primary->standby") it returns the
// plan. Lambda does not hand the caller's IAM principal to the function (CloudTrail's Invoke event has it),
// so the journal records the function and request id as the starter.
const logger = new Logger({ serviceName: 'chdr-failover' });
const runtime = once(() => loadFailoverRuntime(process.env));

const failover = async (event: unknown, context: Context) => {
  const { topology, failover: deps } = await runtime();
  const startedBy = `lambda:${context.functionName}/${context.awsRequestId}`;
  const result = await handleFailoverEvent(event, {
    topology,
    failover: { ...deps.deps, log: (line) => logger.info(line) },
    startedBy,
  });
  logger.info('failover request handled', { mode: result.mode, message: result.message });
  return result;
};

export const handler = middy(failover).use(injectLambdaContext(logger, { resetKeys: true }));
