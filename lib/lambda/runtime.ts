import { alertSettings, NOTIFICATION_EVENTS, Pager, SnsNotifier } from '../alerts/index.js';
import { findSite, loadTopology, type SecretDeps, type Topology } from '../config/index.js';
import { replicaConnector, type Connect } from '../cycle/index.js';
import { createFenceGuard, Ec2InstanceFencer, type FenceEnforcement } from '../fence/index.js';
import { createCloudWatchClient, MetricsPublisher } from '../metrics/index.js';
import { DynamoStateStore, siteStateTableName, type StateStore } from '../state/index.js';
import { parseLambdaEnv } from './env.js';

/** Everything a warm container keeps between invocations: config, secrets, clients, connections. */
export interface MonitorRuntime {
  topology: Topology;
  siteName: string;
  connect: Connect;
  store: StateStore;
  /** Another site's state table, in that site's region: where this agent leaves its verdict. */
  peerStore: (site: string) => StateStore;
  publisher: MetricsPublisher;
  pager: Pager;
  /** Keeps this site fenced after a forced failover: stops its instances that came back, pages once. */
  fenceGuard: (siteName: string) => Promise<FenceEnforcement | null>;
}

/**
 * SDK clients for the kinds of secret this site's replicas reference, and only those: the SSM client alone is
 * the largest module a cold start would load, for a config that may reference no parameter at all.
 */
const secretClients = async (
  topology: Topology,
  siteName: string,
): Promise<Pick<SecretDeps, 'ssm' | 'secretsManager'>> => {
  const refs = findSite(topology, siteName).replicas.map((replica) => replica.password);
  const uses = (kind: 'ssm' | 'secretsManager') => refs.some((ref) => typeof ref === 'object' && kind in ref);
  return {
    ...(uses('ssm') ? { ssm: new (await import('@aws-sdk/client-ssm')).SSMClient({}) } : {}),
    ...(uses('secretsManager')
      ? { secretsManager: new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({}) }
      : {}),
  };
};

/**
 * Resolves config and secrets, and builds the AWS clients, once per container: on its first invocation, not
 * at module init. The SDK clients are imported here, so that module init is config and code only.
 */
export const loadMonitorRuntime = async (
  env: Record<string, string | undefined>,
): Promise<MonitorRuntime> => {
  const settings = parseLambdaEnv(env);
  const topology = await loadTopology(settings.CHDR_CONFIG);
  const site = findSite(topology, settings.CHDR_SITE);
  // Only this site's secrets: they live in this region; the other site's may not exist here at all.
  const connect = await replicaConnector(
    topology,
    { env, ...(await secretClients(topology, site.name)) },
    { onlySite: site.name },
  );
  const [{ DynamoDBClient }, { SNSClient }, cloudWatch] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-sns'),
    createCloudWatchClient(),
  ]);
  const store = new DynamoStateStore({
    client: new DynamoDBClient({}),
    tableName: settings.CHDR_STATE_TABLE,
  });
  const peerStores = new Map(
    topology.sites
      .filter((other) => other.name !== site.name)
      .map((other) => [
        other.name,
        new DynamoStateStore({
          client: new DynamoDBClient({ region: other.region }),
          tableName: siteStateTableName(topology.cluster, other.name, settings.CHDR_STAGE),
        }),
      ]),
  );
  const notifier = new SnsNotifier({ client: new SNSClient({}), topicArn: settings.CHDR_TOPIC_ARN });
  // The returning region's agent fences what of its own site still runs, through its own region's EC2.
  const fenceGuard = createFenceGuard({
    topology,
    store,
    connect,
    fencer: new Ec2InstanceFencer(),
    // Within the cycle's budget: a force stop is "stopping" at once; an unconfirmed one is retried next cycle.
    fenceTimeoutMs: topology.timeouts.cycleMs,
    notify: (subject, body) =>
      notifier.notify({
        subject,
        body,
        attributes: {
          event: NOTIFICATION_EVENTS.fenced,
          severity: 'critical',
          cluster: topology.cluster,
          site: site.name,
        },
      }),
  });
  return {
    topology,
    siteName: site.name,
    connect,
    store,
    peerStore: (name) => peerStores.get(name) ?? store,
    publisher: new MetricsPublisher({
      client: cloudWatch,
      namespace: topology.metrics.namespace,
    }),
    pager: new Pager({
      store,
      notifier,
      ...alertSettings(topology.alerts),
      deployedStage: settings.CHDR_STAGE,
      ...(settings.CHDR_RUNBOOK_BASE ? { runbookBase: settings.CHDR_RUNBOOK_BASE } : {}),
    }),
    fenceGuard,
  };
};
