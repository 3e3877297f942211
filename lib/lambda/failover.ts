import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadTopology, type Topology } from '../config/index.js';
import { createFailoverRuntime, SnsFailoverNotifier, type FailoverRuntime } from '../failover/index.js';
import { DynamoStateStore } from '../state/index.js';
import { parseLambdaEnv } from './env.js';

export interface FailoverFunctionRuntime {
  topology: Topology;
  failover: FailoverRuntime;
}

/**
 * The failover function's dependencies. The lock and the journal live in this stack's own table, in this
 * function's region: during a region outage the surviving region's table is the one that answers.
 */
export const loadFailoverRuntime = async (
  env: Record<string, string | undefined>,
): Promise<FailoverFunctionRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const failover = await createFailoverRuntime(topology, {
    env,
    store: new DynamoStateStore({ client: new DynamoDBClient({}), tableName: settings.CHDR_STATE_TABLE }),
    notifier: new SnsFailoverNotifier(new SNSClient({}), settings.CHDR_TOPIC_ARN),
  });
  return { topology, failover };
};
