import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { FailoverLambdaEvent } from '../lib/failover/index.js';
import { once } from '../lib/lambda/once.js';

// On demand only: failover, recover, failback, switchover, plan, history, and pause/resume of pages.
// Without the exact confirmation string (e.g. "FAILOVER primary->standby") an operation only returns its
// plan. Lambda does not hand the caller's IAM principal to the function (CloudTrail's Invoke event has
// it), so the journal records the function and request id as the starter unless the event says `who`.
// A run that may not fit in the invocation's remaining time continues in a fresh invocation of itself.
// Module init is this wiring only: the engine, the config and the AWS SDK load on the first invocation.
const logger = new Logger({ serviceName: 'chdr-failover' });
const operator = once(() => import('../lib/lambda/failover.js'));
const runtime = once(async () => (await operator()).loadFailoverRuntime(process.env));
const lambda = once(async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({}));

type InvokeSelf = (event: FailoverLambdaEvent, context: Context) => Promise<void>;

const invokeThroughLambda: InvokeSelf = async (event, context) =>
  (await operator()).lambdaSelfInvoker(await lambda(), context.invokedFunctionArn)(event);

/** The handler; tests pass `invokeSelf` to deliver the continuation event themselves. */
export const createHandler = (invokeSelf: InvokeSelf = invokeThroughLambda) => {
  const failover = async (event: unknown, context: Context) => {
    const loaded = await runtime();
    const result = await (
      await operator()
    ).handleOperatorEvent(
      event,
      {
        ...loaded,
        failover: {
          ...loaded.failover,
          deps: { ...loaded.failover.deps, log: (line: string) => logger.info(line) },
        },
      },
      `lambda:${context.functionName}/${context.awsRequestId}`,
      {
        remainingMs: () => context.getRemainingTimeInMillis(),
        invokeSelf: (next) => invokeSelf(next, context),
      },
    );
    logger.info('request handled', { mode: result.mode, message: result.message });
    return result;
  };
  return middy(failover).use(injectLambdaContext(logger, { resetKeys: true }));
};

export const handler = createHandler();
