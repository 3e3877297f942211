import type * as z from 'zod';
import type { LOCAL_SITES, NODE_KINDS } from './constants.js';
import type {
  clickHouseNodeStateSchema,
  clusterStateSchema,
  networkStateSchema,
  zooKeeperNodeStateSchema,
} from './schema.js';

export type LocalSite = (typeof LOCAL_SITES)[number];
export type NodeKind = (typeof NODE_KINDS)[number];

export type ZooKeeperNodeState = z.output<typeof zooKeeperNodeStateSchema>;
export type ClickHouseNodeState = z.output<typeof clickHouseNodeStateSchema>;
export type NodeState = ZooKeeperNodeState | ClickHouseNodeState;
/** The standby site's network namespace and the veth pair to the primary's (`up --netns`). */
export type NetworkState = z.output<typeof networkStateSchema>;
/** Everything `up` knows about a cluster: ports, pids, config/data/log paths per node. */
export type ClusterState = z.output<typeof clusterStateSchema>;

export type ProgressListener = (message: string) => void;

export interface UpOptions {
  /** Directory for state.json, topology.yaml and every node's files. */
  dir: string;
  /** Shifts every port; DEFAULT_PORT_BASE gives the ports of examples/local.yaml. */
  portBase?: number;
  onProgress?: ProgressListener;
  /** How long each phase (ZooKeeper quorum, ClickHouse ready, heartbeat table) may take. */
  timeoutMs?: number;
  /**
   * Put the standby site in its own network namespace behind a veth pair (root and iproute2 needed), so
   * `partition`/`heal` cut and restore the link. Undefined keeps what an existing cluster has.
   */
  netns?: boolean;
  /**
   * Spare ZooKeeper servers (0-2, zk5 and zk6) at the standby site, written but not started: the
   * topology lists them as `spareCoordination` and a failover to the standby makes them voters. Opt-in;
   * only for a new cluster (an existing one keeps its nodes).
   */
  spares?: number;
}

/** What `partition`/`heal` did: `changed` is false when the link already was in that state. */
export interface LinkChange {
  link: 'up' | 'down';
  changed: boolean;
  namespace: string;
}

export interface UpResult {
  state: ClusterState;
  /** Nodes this call started (empty when the cluster was already up and healthy). */
  started: string[];
  elapsedMs: number;
}

export interface DownOptions {
  dir: string;
  onProgress?: ProgressListener;
  timeoutMs?: number;
}

export interface DownResult {
  /** Nodes whose process this call stopped. */
  stopped: string[];
  elapsedMs: number;
}

export interface StopOptions {
  /** SIGKILL at once (a crash) instead of SIGTERM, a grace period, then SIGKILL. */
  hard?: boolean;
  timeoutMs?: number;
}

export interface StartOptions {
  timeoutMs?: number;
  onProgress?: ProgressListener;
}

/** One node as `status` sees it. `ready`: ZooKeeper answers `ruok`; ClickHouse answers `SELECT 1`. */
export interface NodeStatus {
  name: string;
  kind: NodeKind;
  site: LocalSite;
  pid: number | null;
  running: boolean;
  ready: boolean;
  /** ZooKeeper's `srvr` mode (leader, follower, observer, standalone) when it serves. */
  mode?: string;
  detail: string;
}

export interface ClusterStatus {
  dir: string;
  nodes: NodeStatus[];
  /** Every node runs and is ready, and some ZooKeeper node is the leader (or standalone). */
  healthy: boolean;
}

/** A TCP server on loopback that accepts connections and never answers: a hung peer for timeout tests. */
export interface Blackhole {
  host: string;
  port: number;
  close(): Promise<void>;
}
