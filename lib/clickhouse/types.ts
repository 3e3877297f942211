import type { Thresholds } from '../config/index.js';
import type { ProbeResult } from '../probe/index.js';
import type { CLICKHOUSE_ERROR_CODES, SERVER_COUNTERS, TABLE_STATES } from './constants.js';

/** Codes of `ClickHouseRequestError`: server exception, transport failure, timeout, unreadable reply. */
export type ClickHouseErrorCode = (typeof CLICKHOUSE_ERROR_CODES)[keyof typeof CLICKHOUSE_ERROR_CODES];

/** A ClickHouse server exception, parsed once (see `parseClickHouseError`). Branch on `type`. */
export interface ClickHouseException {
  code: number;
  /** Modern servers' `(TYPE)`, else the name mapped from `code`, else `UNKNOWN_EXCEPTION`. */
  type: string;
  /** The server's own message, without the `Code:` prefix, the type and the version suffix. */
  message: string;
}

export interface QueryOptions {
  timeoutMs: number;
}

export interface ReplicasStatusRequest {
  verbose: boolean;
  timeoutMs: number;
}

/** A raw HTTP reply; `/replicas_status` answers 200, 503 and 500 with meaningful bodies. */
export interface HttpReply {
  httpStatus: number;
  body: string;
}

export interface ConnectionOptions {
  /** Upper bound for any single request, whatever a caller asks for. */
  requestTimeoutMs: number;
  keepAlive: boolean;
}

/**
 * The transport to one ClickHouse server over HTTP. Methods reject only with `ClickHouseRequestError`
 * (server exception, transport failure, timeout); `replicasStatus` resolves for any HTTP status.
 */
export interface ClickHouseConnection {
  /** `http(s)://host:port as user`, for messages; never holds the password. */
  readonly endpoint: string;
  /** Runs a SELECT (no FORMAT clause: JSONEachRow is appended) and returns the rows as parsed JSON, unvalidated. */
  queryRows<T = unknown>(sql: string, options: QueryOptions): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT). */
  exec(sql: string, options: QueryOptions): Promise<void>;
  /** GET `/replicas_status` (`?verbose=1` when asked). */
  replicasStatus(options: ReplicasStatusRequest): Promise<HttpReply>;
  close(): Promise<void>;
}

export type TableState = (typeof TABLE_STATES)[number];

/** One table line of `/replicas_status`. */
export interface ReplicasStatusTable {
  database: string;
  table: string;
  /** `readonly` if the server said so; `delayed` if either delay is above zero; else `ok`. */
  state: TableState;
  /** Seconds; null for a readonly table (the server prints no delay for it). */
  absoluteDelay: number | null;
  relativeDelay: number | null;
}

/**
 * `/replicas_status` parsed. `kind` sums up the tables: `delayed` also when the server answered 503
 * without listing them. `listed` is false when the body was just `Ok.` (not verbose).
 * `error` is any other reply (500 with the exception, 401, 404...).
 */
export type ReplicasStatus =
  | {
      kind: 'ok' | 'delayed' | 'readonly' | 'mixed';
      httpStatus: number;
      listed: boolean;
      tables: ReplicasStatusTable[];
    }
  | { kind: 'error'; httpStatus: number; message: string; exception: ClickHouseException | null };

export type ReplicasStatusReport = Exclude<ReplicasStatus, { kind: 'error' }>;

/**
 * One `system.replicas` row. Columns missing from 18.16 (and from chdr's query) are null.
 * DateTime values are kept as the server printed them (server time zone); zero times are null.
 */
export interface ReplicaTableState {
  database: string;
  table: string;
  engine: string;
  replicaName: string;
  zookeeperPath: string;
  isLeader: boolean;
  isReadonly: boolean;
  isSessionExpired: boolean;
  queueSize: number;
  insertsInQueue: number;
  mergesInQueue: number;
  partMutationsInQueue: number | null;
  futureParts: number | null;
  partsToCheck: number | null;
  logMaxIndex: number;
  logPointer: number;
  /** Log entries not yet pulled into the queue: max(0, log_max_index - log_pointer); a caught-up pointer is max+1. */
  logLag: number;
  /** Seconds, as the server reports it (see `queueNeverLoaded`). */
  absoluteDelay: number;
  /** The replica never loaded its queue (readonly since start): `absoluteDelay` is then the Unix time, not a delay. */
  queueNeverLoaded: boolean;
  totalReplicas: number;
  activeReplicas: number;
  queueOldestTime: string | null;
  lastQueueUpdate: string | null;
  /** Modern servers only (`readonly_start_time`). */
  readonlySince: string | null;
  zookeeperException: string | null;
  lastQueueUpdateException: string | null;
  lostPartCount: number | null;
  replicaIsActive: Record<string, boolean> | null;
}

export type ServerCounters = Record<keyof typeof SERVER_COUNTERS, number>;

/** Server-wide figures (see `probeServerHealth`). */
export interface ServerHealth {
  /** The server's clock minus the agent's, in seconds (positive: the server is ahead). */
  clockSkewSeconds: number | null;
  /** The partition with the most active parts. */
  busiestPartition: { table: string; partition: string; parts: number } | null;
  /** Cumulative since the server started; the cycle judges the change since the previous cycle. */
  counters: ServerCounters;
  /** Open ZooKeeper/Keeper sessions (`system.metrics` ZooKeeperSession); more than one is a misconfiguration. */
  zooKeeperSessions: number;
  /** Whether `system.users` exists (ClickHouse 20.4+); null when the reply did not say. */
  usersTable: boolean | null;
}

/** Both views of one server's replication, each a probe result of its own, and its server-wide figures. */
export interface ReplicaProbe {
  status: ProbeResult<ReplicasStatusReport>;
  tables: ProbeResult<ReplicaTableState[]>;
  /** Absent when the caller did not ask (or the cycle deadline cut the probe short). */
  server?: ProbeResult<ServerHealth>;
}

/** The thresholds a replica's verdict uses. */
export type ReplicaThresholds = Pick<
  Thresholds,
  | 'replicaDelayWarnSeconds'
  | 'replicaDelayCriticalSeconds'
  | 'queueSizeWarn'
  | 'logLagWarn'
  | 'insertsInQueueWarn'
  | 'partsPerPartitionWarn'
  | 'clockSkewWarnSeconds'
>;
