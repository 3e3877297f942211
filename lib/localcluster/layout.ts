import { join, resolve } from 'node:path';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import {
  DEFAULT_PORT_BASE,
  LOOPBACK,
  MAX_PORT_BASE,
  PORT_OFFSETS,
  STATE_VERSION,
  TOPOLOGY_FILE,
} from './constants.js';
import { planNetwork } from './netns.js';
import type {
  ClickHouseNodeState,
  ClusterState,
  LocalSite,
  NetworkState,
  NodeState,
  ZooKeeperNodeState,
} from './types.js';

/** zk1..zk3 are the primary site's quorum; zk4 observes from the standby site. Add nodes here. */
const ZOOKEEPER_NODES: ReadonlyArray<{ n: number; site: LocalSite; role: ZooKeeperNodeState['role'] }> = [
  { n: 1, site: 'primary', role: 'participant' },
  { n: 2, site: 'primary', role: 'participant' },
  { n: 3, site: 'primary', role: 'participant' },
  { n: 4, site: 'standby', role: 'observer' },
];
/** Opt-in spare ZooKeeper servers at the standby site (zk5, zk6): stopped until a failover starts them. */
const MAX_SPARES = 2;
const spareSpecs = (count: number): (typeof ZOOKEEPER_NODES)[number][] => {
  if (!Number.isInteger(count) || count < 0 || count > MAX_SPARES) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.badSpares,
      `spares must be an integer from 0 to ${MAX_SPARES}; got ${count}`,
    );
  }
  return Array.from({ length: count }, (_, i) => ({ n: 5 + i, site: 'standby', role: 'spare' }));
};
const CLICKHOUSE_NODES: ReadonlyArray<{ n: number; site: LocalSite }> = [
  { n: 1, site: 'primary' },
  { n: 2, site: 'primary' },
  { n: 3, site: 'standby' },
];

export const checkPortBase = (portBase: number): number => {
  if (!Number.isInteger(portBase) || portBase < 1_024 - PORT_OFFSETS.chHttp || portBase > MAX_PORT_BASE) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.badPortBase,
      `port base must be an integer from ${1_024 - PORT_OFFSETS.chHttp} to ${MAX_PORT_BASE} (default ${DEFAULT_PORT_BASE}), ` +
        `which keeps every port between 1024 and Linux's ephemeral range (32768 up); got ${portBase}`,
    );
  }
  return portBase;
};

/** A node's address: loopback, or with `--netns` its site's end of the veth pair. */
const hostOf = (site: LocalSite, network: NetworkState | undefined): string =>
  network ? network.addresses[site] : LOOPBACK;

const zooKeeperNode = (
  root: string,
  portBase: number,
  spec: (typeof ZOOKEEPER_NODES)[number],
  network: NetworkState | undefined,
): ZooKeeperNodeState => {
  const name = `zk${spec.n}`;
  const dir = join(root, name);
  const dataDir = join(dir, 'data');
  return {
    kind: 'zookeeper',
    name,
    site: spec.site,
    host: hostOf(spec.site, network),
    dir,
    configPath: join(dir, 'zoo.cfg'),
    dataDir,
    logPath: join(dir, 'logs', 'zookeeper.log'),
    pid: null,
    startedAt: null,
    serverId: spec.n,
    role: spec.role,
    clientPort: portBase + PORT_OFFSETS.zkClient + spec.n - 1,
    peerPort: portBase + PORT_OFFSETS.zkPeer + spec.n - 1,
    electionPort: portBase + PORT_OFFSETS.zkElection + spec.n - 1,
    myidPath: join(dataDir, 'myid'),
    log4jPath: join(dir, 'log4j.properties'),
  };
};

const clickHouseNode = (
  root: string,
  portBase: number,
  spec: (typeof CLICKHOUSE_NODES)[number],
  network: NetworkState | undefined,
): ClickHouseNodeState => {
  const name = `ch${spec.n}`;
  const dir = join(root, name);
  return {
    kind: 'clickhouse',
    name,
    site: spec.site,
    host: hostOf(spec.site, network),
    dir,
    configPath: join(dir, 'config.xml'),
    dataDir: join(dir, 'data'),
    logPath: join(dir, 'logs', 'clickhouse-server.log'),
    pid: null,
    startedAt: null,
    httpPort: portBase + PORT_OFFSETS.chHttp + spec.n - 1,
    tcpPort: portBase + PORT_OFFSETS.chTcp + spec.n - 1,
    interserverPort: portBase + PORT_OFFSETS.chInterserver + spec.n - 1,
    usersPath: join(dir, 'users.xml'),
    zookeeperConfigPath: join(dir, 'config.d', 'zookeeper.xml'),
    macrosPath: join(dir, 'config.d', 'macros.xml'),
    errorLogPath: join(dir, 'logs', 'clickhouse-server.err.log'),
    stdoutPath: join(dir, 'logs', 'stdout.log'),
  };
};

/**
 * The cluster `up` builds in `dir` with this port base: every node's ports and paths, nothing running.
 * With `netns`, the standby site's nodes live in their own network namespace (see netns.ts).
 */
export const planCluster = (
  dir: string,
  portBase = DEFAULT_PORT_BASE,
  now = new Date(),
  options: { netns?: boolean; spares?: number } = {},
): ClusterState => {
  const zooKeepers = [...ZOOKEEPER_NODES, ...spareSpecs(options.spares ?? 0)];
  checkPortBase(portBase);
  const root = resolve(dir);
  const network = options.netns ? planNetwork(portBase) : undefined;
  return {
    version: STATE_VERSION,
    dir: root,
    portBase,
    topologyPath: join(root, TOPOLOGY_FILE),
    createdAt: now.toISOString(),
    nodes: [
      ...zooKeepers.map((spec) => zooKeeperNode(root, portBase, spec, network)),
      ...CLICKHOUSE_NODES.map((spec) => clickHouseNode(root, portBase, spec, network)),
    ],
    ...(network ? { network } : {}),
  };
};

export const zooKeeperNodes = (state: ClusterState): ZooKeeperNodeState[] =>
  state.nodes.filter((node): node is ZooKeeperNodeState => node.kind === 'zookeeper');

/** The nodes `up` starts and waits for: every node but the spares. */
export const startedByUp = <T extends NodeState>(nodes: readonly T[]): T[] =>
  nodes.filter((node) => node.kind !== 'zookeeper' || node.role !== 'spare');

export const clickHouseNodes = (state: ClusterState): ClickHouseNodeState[] =>
  state.nodes.filter((node): node is ClickHouseNodeState => node.kind === 'clickhouse');

/** Every port a node listens on, for the "is it free" check before a start. */
export const portsOf = (node: ZooKeeperNodeState | ClickHouseNodeState): number[] =>
  node.kind === 'zookeeper'
    ? [node.clientPort, node.peerPort, node.electionPort]
    : [node.httpPort, node.tcpPort, node.interserverPort];
