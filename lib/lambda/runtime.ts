import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { Pager, SnsNotifier } from '../alerts/index.js';
import { findSite, loadTopology, type SecretDeps, type Topology } from '../config/index.js';
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

/**
 * SDK clients for the kinds of secret the topology references, and only those: the SSM client alone is
 * the largest module a cold start would load, for a config that may reference no parameter at all.
 */
const secretClients = async (topology: Topology): Promise<Pick<SecretDeps, 'ssm' | 'secretsManager'>> => {
  const refs = topology.sites.flatMap((site) => site.replicas.map((replica) => replica.password));
  const uses = (kind: 'ssm' | 'secretsManager') => refs.some((ref) => typeof ref === 'object' && kind in ref);
  return {
    ...(uses('ssm') ? { ssm: new (await import('@aws-sdk/client-ssm')).SSMClient({}) } : {}),
    ...(uses('secretsManager')
      ? { secretsManager: new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({}) }
      : {}),
  };
};

/** Resolves config and secrets, and builds the AWS clients, once per container (at cold start). */
export const loadMonitorRuntime = async (
  env: Record<string, string | undefined>,
): Promise<MonitorRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const site = findSite(topology, settings.CHDR_SITE);
  const connect = await replicaConnector(topology, { env, ...(await secretClients(topology)) });
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
