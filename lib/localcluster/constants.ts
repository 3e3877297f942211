/** The two sites of the local cluster, as in examples/local.yaml. */
export const LOCAL_SITES = ['primary', 'standby'] as const;
export const NODE_KINDS = ['zookeeper', 'clickhouse'] as const;

export const LOOPBACK = '127.0.0.1';
export const CLUSTER_NAME = 'local';
export const SHARD = '01';

/** `chdr cluster` works here (under the current directory) unless told otherwise. */
export const DEFAULT_CLUSTER_DIR = '.chdr/cluster';
/** The port base that gives the ports of examples/local.yaml; another base shifts every port by the same offset. */
export const DEFAULT_PORT_BASE = 18_000;
/**
 * The highest base whose ports (six ZooKeeper nodes at most) all stay below 32768, where Linux's ephemeral
 * range starts: a port there may already be held by some client socket, and a server then fails to start
 * with "Address already in use" now and then (seen in CI).
 */
export const MAX_PORT_BASE = 26_000;

/**
 * Port of node number n (1-based) = portBase + offset + (n - 1).
 * With the default base: ZooKeeper client 21811-21814, quorum 22881-22884, election 23881-23884;
 * ClickHouse HTTP 18123-18125, native TCP 19001-19003, interserver HTTP 19011-19013.
 */
export const PORT_OFFSETS = {
  zkClient: 3_811,
  zkPeer: 4_881,
  zkElection: 5_881,
  chHttp: 123,
  chTcp: 1_001,
  chInterserver: 1_011,
} as const;

/**
 * ZooKeeper timing: a 500 ms tick keeps elections around a second, while initLimit/syncLimit leave
 * 10 s / 5 s for a follower to sync on a loaded 2-core box. Sessions may last 1 s to 10 s.
 */
export const ZOOKEEPER_TIMING = { tickTime: 500, initLimit: 20, syncLimit: 10 } as const;
/** ClickHouse's ZooKeeper session: the most ZooKeeper grants with the tick above (20 ticks). */
export const CLICKHOUSE_ZOOKEEPER_TIMING = { sessionTimeoutMs: 10_000, operationTimeoutMs: 5_000 } as const;

/** Where the Debian packages put things (zookeeper 3.8.0 and clickhouse-server 18.16.1 on Debian 12). */
export const DEBIAN_PATHS = {
  /** Its manifest's Class-Path pulls in netty, jetty, jackson, slf4j-api, ... from /usr/share/java. */
  zookeeperJar: '/usr/share/java/zookeeper.jar',
  /** slf4j binding + log4j 1.2 (both dependencies of libzookeeper-java): without them ZooKeeper logs nothing. */
  loggingJars: ['/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'],
  clickhouseServer: ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'],
} as const;

/** A small heap, no perf-data file in /tmp (left behind on SIGKILL), C1 only for a fast start. */
export const ZOOKEEPER_JVM_FLAGS = [
  '-Xms32m',
  '-Xmx128m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-Djava.net.preferIPv4Stack=true',
] as const;
export const ZOOKEEPER_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/**
 * `up --netns`: the standby site runs in its own network namespace, joined to the primary's by a veth
 * pair with a /30 from this /16 (traffic only to addresses of namespaces chdr creates). The /30 and the
 * names derive from the port base, so clusters with different bases coexist.
 */
export const NETNS = {
  /** First two octets of the 10.200.0.0/16 the /30 links come from. */
  addressPrefix: '10.200',
  prefixLength: 30,
  /** /30 links in a /16. */
  links: 16_384,
  /** Namespace names are `chdr-<portBase>-<site>`; veth names `chdr<portBase><p|s>` (15 characters at most). */
  namePrefix: 'chdr',
} as const;

export const DEFAULT_START_TIMEOUT_MS = 60_000;
export const DEFAULT_STOP_TIMEOUT_MS = 15_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 1_500;
export const POLL_INTERVAL_MS = 100;
/** Lines of a node's logs shown when it fails to start. */
export const LOG_TAIL_LINES = 40;
export const STATE_FILE = 'state.json';
/** In a node's dir: the local boot guard. While it exists the node does not start (`chdr recover` removes it). */
export const FENCE_MARKER_FILE = 'FENCED';
export const TOPOLOGY_FILE = 'topology.yaml';
export const STATE_VERSION = 1;
