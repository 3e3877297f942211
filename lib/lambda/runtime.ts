import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Pager, SnsNotifier } from '../alerts/index.js';
import { findSite, loadTopology, type Topology } from '../config/index.js';
import { replicaConnector, type Connect } from '../cycle/index.js';
import { createCloudWatchClient, MetricsPublisher } from '../metrics/index.js';
import { DynamoStateStore, type StateStore } from '../state/index.js';
import { parseLambdaEnv } from './env.js';

/** Everything a warm container keeps between invocations: config, secrets, clients, connections. */
export interface MonitorRuntime {
  topology: Topology;
  siteName: string;
  connect: Connect;
  store: StateStore;
  publisher: MetricsPublisher;
  pager: Pager;
}

/** Memoises an async factory; a failure is not cached, so the next invocation tries again. */
export const once = <T>(create: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
};

/** Resolves config and secrets, and builds the AWS clients, once per container (at cold start). */
export const loadMonitorRuntime = async (
  env: Record<string, string | undefined>,
): Promise<MonitorRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const site = findSite(topology, settings.CHDR_SITE);
  const connect = await replicaConnector(topology, {
    env,
    ssm: new SSMClient({}),
    secretsManager: new SecretsManagerClient({}),
  });
  const store = new DynamoStateStore({
    client: new DynamoDBClient({}),
    tableName: settings.CHDR_STATE_TABLE,
  });
  const notifier = new SnsNotifier({ client: new SNSClient({}), topicArn: settings.CHDR_TOPIC_ARN });
  return {
    topology,
    siteName: site.name,
    connect,
    store,
    publisher: new MetricsPublisher({
      client: createCloudWatchClient(),
      namespace: topology.metrics.namespace,
    }),
    pager: new Pager({
      store,
      notifier,
      repageMinutes: topology.alerts.repageMinutes,
      ...(settings.CHDR_RUNBOOK_BASE ? { runbookBase: settings.CHDR_RUNBOOK_BASE } : {}),
    }),
  };
};
