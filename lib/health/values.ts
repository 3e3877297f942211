import type { EXPECTED_NODE_ROLES, NODE_ROLES } from './constants.js';

// Value shapes are type aliases, not interfaces, so that they stay assignable to plain JSON.

export type NodeRole = (typeof NODE_ROLES)[number];
export type ExpectedNodeRole = (typeof EXPECTED_NODE_ROLES)[number];

/** What the write of this site's heartbeat measured. `outcome`: `ok`, the server's exception type or a probe code. */
export type HeartbeatWriteValues = {
  outcome: string;
  elapsedMs: number;
  writtenAt: number | null;
  createdTable: boolean | null;
  reason: string | null;
};

/** How far this site's copy of a source site's heartbeat is behind (seconds on the server's clock). */
export type HeartbeatLagValues = {
  outcome: string;
  lagSeconds: number | null;
  unchangedCycles: number | null;
  lastUpdatedAt: number | null;
  serverNow: number | null;
  method: string;
};

/** One Keeper/ZooKeeper node; figures are null when the node did not say. */
export type CoordinationNodeValues = {
  role: NodeRole;
  /** The role the live cluster roles (or the topology) expect now. */
  expectedRole: ExpectedNodeRole;
  /** The node belongs to a site that is fenced or lost: expected down, not counted. */
  inactive: boolean;
  zxid: string | null;
  outstanding: number | null;
  avgLatencyMs: number | null;
  /** Largest request latency since the server's counters were last reset (`mntr` zk_max_latency). */
  maxLatencyMs: number | null;
  openFileDescriptors: number | null;
  maxFileDescriptors: number | null;
  znodeCount: number | null;
  aliveConnections: number | null;
  elapsedMs: number;
};

/** The ensemble as a whole. `quorum` is null when it cannot be told (nodes whose state is unreadable). */
export type CoordinationEnsembleValues = {
  leaders: string[];
  participantsUp: number;
  participantsTotal: number;
  participantsUnknown: number;
  observersUp: number;
  observersTotal: number;
  syncedFollowers: number | null;
  syncedObservers: number | null;
  quorum: boolean | null;
};

/** One ClickHouse server's replication; the figures are null when neither view could be read. */
export type ReplicaStatusValues = {
  /** `ok` or the failure code of each view. */
  statusProbe: string;
  tablesProbe: string;
  httpStatus: number | null;
  reachable: boolean;
  reason: string | null;
  tables: number | null;
  readonlyTables: number | null;
  sessionExpiredTables: number | null;
  maxAbsoluteDelay: number | null;
  maxQueueSize: number | null;
  /** Largest `log_max_index - log_pointer`: log entries not yet pulled into the queue. */
  maxLogLag: number | null;
  maxInsertsInQueue: number | null;
  tablesWithInactiveReplicas: number | null;
  /** Active parts in the server's busiest partition. */
  maxPartsPerPartition: number | null;
  /** The server's clock minus the agent's, seconds (positive: ahead). */
  clockSkewSeconds: number | null;
  zooKeeperSessions: number | null;
  /** Changes of `system.events` counters since the previous cycle; null on the first cycle. */
  zooKeeperHardwareExceptions: number | null;
  delayedInserts: number | null;
  rejectedInserts: number | null;
};

/** One replicated table on one server that is not fine. */
export type ReplicaTablesValues = {
  absoluteDelay: number | null;
  queueSize: number | null;
  insertsInQueue: number | null;
  logLag: number | null;
  activeReplicas: number | null;
  totalReplicas: number | null;
  readonly: boolean;
  sessionExpired: boolean;
};

export type SecurityValues = {
  code: string;
  acknowledged: boolean;
};

/** The live roles a site's agent judged against (lib/roles), and the fence a warning is about. */
export type SiteRolesValues = {
  primary: string;
  deployedPrimary: string | null;
  runId: string | null;
  operation: string | null;
  since: string;
  voters: string;
  fencedSite?: string;
  fenceMethod?: string;
  fencedAt?: string;
};
