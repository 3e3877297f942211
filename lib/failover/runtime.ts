import type { SSMClient } from '@aws-sdk/client-ssm';
import { createClickHouseConnection } from '../clickhouse/connection.js';
import type { ClickHouseConnection } from '../clickhouse/types.js';
import { findSite, resolveSecret, type ReplicaEndpoint, type Topology } from '../config/index.js';
import { LocalShellExecutor, SsmExecutor, type HostExecutor } from '../executor/index.js';
import { sendWord } from '../keeper/index.js';
import { Ec2InstanceFencer, type InstanceFencer } from '../fence/index.js';
import { DynamoStateStore, FileStateStore, siteStateTableName, type StateStore } from '../state/index.js';
import { SnsFailoverNotifier } from './notifier.js';
import type { FailoverDeps, FailoverNotifier, SendWord } from './types.js';

/** Where the CLI keeps the lock and the journal when the config names no DynamoDB table. */
export const DEFAULT_STATE_FILE = '.chdr/state.json';

export interface RuntimeOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** File store path when `failover.stackStage` is not set (one file serves every site). */
  stateFile?: string;
  /** Replaces the store chosen from the config (every site). */
  store?: StateStore;
  /** Each site's own store (the failover function: its own table and the other regions'). */
  storeOf?: (site: string) => StateStore;
  executor?: HostExecutor;
  notifier?: FailoverNotifier;
  /** Stops an unreachable site's hosts (default: EC2 with the SSM executor, none with the local one). */
  fencer?: InstanceFencer;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FailoverRuntime {
  deps: FailoverDeps;
  close(): Promise<void>;
}

/** 4lw over TCP to the node's client port (including `rcvr` and `lgif`, which monitoring never sends). */
/** The keeper module's 4lw sender (TLS when the node says so); the name is kept for existing callers. */
export const tcpSendWord: SendWord = sendWord;

const regionOfArn = (arn: string): string | undefined => arn.split(':')[3] || undefined;

/** Each site's deployed state table in its own region (`failover.stackStage`), one client per region. */
const siteTables = async (topology: Topology): Promise<((site: string) => StateStore) | undefined> => {
  const stage = topology.failover.stackStage;
  if (stage === undefined) return undefined;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const stores = new Map<string, StateStore>();
  return (name) => {
    let store = stores.get(name);
    if (!store) {
      const site = findSite(topology, name);
      store = new DynamoStateStore({
        client: new DynamoDBClient({ region: site.region }),
        tableName: siteStateTableName(topology.cluster, site.name, stage),
      });
      stores.set(name, store);
    }
    return store;
  };
};

/**
 * The real dependencies for the CLI and the Lambda: state stores (each site's DynamoDB table when
 * `failover.stackStage` is set, else one file), executor (local shell or SSM per the config), ClickHouse connections with resolved
 * passwords, 4lw over TCP, SNS notices to `alerts.snsTopicArn`, Route 53 and Lambda clients when used.
 * Each AWS SDK client is imported here, when the config uses it: none is loaded at module init.
 */
export const createFailoverRuntime = async (
  topology: Topology,
  options: RuntimeOptions = {},
): Promise<FailoverRuntime> => {
  const env = options.env ?? process.env;
  const primaryRegion = topology.sites.find((s) => s.role === 'primary')?.region;
  const settings = topology.failover;
  const needsSecretsManager = topology.sites.some((s) =>
    s.replicas.some((r) => typeof r.password === 'object' && 'secretsManager' in r.password),
  );
  const needsSsmSecret = topology.sites.some((s) =>
    s.replicas.some((r) => typeof r.password === 'object' && 'ssm' in r.password),
  );
  const { SSMClient } =
    needsSsmSecret || settings.executor.kind === 'ssm'
      ? await import('@aws-sdk/client-ssm')
      : { SSMClient: undefined };
  const ssmClients = new Map<string, SSMClient>();
  const ssmFor = (region: string | undefined) => {
    const key = region ?? '';
    // Loaded above whenever the config can call this (SSM secrets or the SSM executor).
    if (!SSMClient)
      throw new Error('the SSM client is used although the config names no SSM executor or secret');
    if (!ssmClients.has(key)) ssmClients.set(key, new SSMClient(region ? { region } : {}));
    return ssmClients.get(key)!;
  };
  const secretsManager = needsSecretsManager ? await import('@aws-sdk/client-secrets-manager') : undefined;
  const passwords = new Map<string, string>();
  for (const site of topology.sites) {
    for (const replica of site.replicas) {
      passwords.set(
        replica.name,
        await resolveSecret(replica.password, `sites.${site.name}.replicas.${replica.name}.password`, {
          env,
          ...(needsSsmSecret ? { ssm: ssmFor(site.region) } : {}),
          ...(secretsManager
            ? { secretsManager: new secretsManager.SecretsManagerClient({ region: site.region }) }
            : {}),
        }),
      );
    }
  }
  const connections = new Map<string, ClickHouseConnection>();
  const connect = (replica: ReplicaEndpoint): ClickHouseConnection => {
    let connection = connections.get(replica.name);
    if (!connection) {
      connection = createClickHouseConnection(replica, passwords.get(replica.name), {
        requestTimeoutMs: Math.max(topology.timeouts.probeMs, 5_000),
        keepAlive: false,
      });
      connections.set(replica.name, connection);
    }
    return connection;
  };
  const storeOf = options.storeOf ?? (options.store ? undefined : await siteTables(topology));
  const store =
    options.store ??
    (storeOf
      ? storeOf(topology.sites[0]!.name)
      : new FileStateStore(options.stateFile ?? DEFAULT_STATE_FILE));
  const executor =
    options.executor ??
    (settings.executor.kind === 'local'
      ? new LocalShellExecutor()
      : new SsmExecutor({ ssm: ssmFor, pollIntervalMs: settings.executor.pollIntervalMs }));
  const topicArn = topology.alerts.snsTopicArn;
  const notifier =
    options.notifier ??
    (topicArn
      ? new SnsFailoverNotifier(
          new (await import('@aws-sdk/client-sns')).SNSClient({ region: regionOfArn(topicArn) }),
          topicArn,
        )
      : undefined);
  const fencer = options.fencer ?? (settings.executor.kind === 'ssm' ? new Ec2InstanceFencer() : undefined);
  const usesLambdaHooks = [...settings.hooks.pre, ...settings.hooks.post].some((hook) => 'lambda' in hook);
  const deps: FailoverDeps = {
    store,
    ...(storeOf ? { storeOf } : {}),
    executor,
    connect,
    sendWord: tcpSendWord,
    ...(fencer ? { fencer } : {}),
    ...(notifier ? { notifier } : {}),
    ...(settings.route53
      ? {
          route53: new (await import('@aws-sdk/client-route-53')).Route53Client(
            primaryRegion ? { region: primaryRegion } : {},
          ),
        }
      : {}),
    ...(usesLambdaHooks
      ? {
          lambda: new (await import('@aws-sdk/client-lambda')).LambdaClient(
            primaryRegion ? { region: primaryRegion } : {},
          ),
        }
      : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return {
    deps,
    async close() {
      await Promise.allSettled([...connections.values()].map((c) => c.close()));
      connections.clear();
    },
  };
};
