/**
 * ClickHouse error codes chdr relies on, mapped to the names that modern servers print as `(TYPE)`.
 * ClickHouse 18.16 prints only the number (`Code: 242, e.displayText() = ...`), so this table is the
 * only way to give its exceptions a type. Names from src/Common/ErrorCodes.cpp.
 */
export const CLICKHOUSE_EXCEPTION_TYPES = {
  3: 'UNEXPECTED_END_OF_FILE',
  47: 'UNKNOWN_IDENTIFIER',
  57: 'TABLE_ALREADY_EXISTS',
  60: 'UNKNOWN_TABLE',
  62: 'SYNTAX_ERROR',
  81: 'UNKNOWN_DATABASE',
  82: 'DATABASE_ALREADY_EXISTS',
  115: 'UNKNOWN_SETTING',
  159: 'TIMEOUT_EXCEEDED',
  164: 'READONLY',
  192: 'UNKNOWN_USER',
  193: 'WRONG_PASSWORD',
  194: 'REQUIRED_PASSWORD',
  195: 'IP_ADDRESS_NOT_ALLOWED',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  225: 'NO_ZOOKEEPER',
  241: 'MEMORY_LIMIT_EXCEEDED',
  242: 'TABLE_IS_READ_ONLY',
  244: 'UNEXPECTED_ZOOKEEPER_ERROR',
  252: 'TOO_MANY_PARTS',
  253: 'REPLICA_IS_ALREADY_EXIST',
  254: 'NO_ACTIVE_REPLICAS',
  285: 'TOO_FEW_LIVE_REPLICAS',
  286: 'UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE',
  291: 'DATABASE_ACCESS_DENIED',
  319: 'UNKNOWN_STATUS_OF_INSERT',
  394: 'QUERY_WAS_CANCELLED',
  497: 'ACCESS_DENIED',
  516: 'AUTHENTICATION_FAILED',
  999: 'KEEPER_EXCEPTION',
} as const satisfies Record<number, string>;

/** Type given to an exception whose code is not in {@link CLICKHOUSE_EXCEPTION_TYPES} and that named none. */
export const UNKNOWN_EXCEPTION_TYPE = 'UNKNOWN_EXCEPTION';

/** Exception types that mean "these credentials were refused". */
export const AUTH_EXCEPTION_TYPES: readonly string[] = [
  'AUTHENTICATION_FAILED',
  'UNKNOWN_USER',
  'WRONG_PASSWORD',
  'REQUIRED_PASSWORD',
  'IP_ADDRESS_NOT_ALLOWED',
];

/** Exception types that mean "the server gave up waiting". */
export const TIMEOUT_EXCEPTION_TYPES: readonly string[] = ['TIMEOUT_EXCEEDED', 'SOCKET_TIMEOUT'];

/** Codes of the errors this domain throws (see errors.ts). */
export const CLICKHOUSE_ERROR_CODES = {
  server: 'CLICKHOUSE_SERVER_ERROR',
  transport: 'CLICKHOUSE_TRANSPORT_ERROR',
  timeout: 'CLICKHOUSE_TIMEOUT',
  badReply: 'CLICKHOUSE_BAD_REPLY',
} as const;

/** Per-table state in a `/replicas_status` or `system.replicas` verdict. */
export const TABLE_STATES = ['ok', 'delayed', 'readonly'] as const;

/**
 * The `system.replicas` columns chdr reads: every one exists in ClickHouse 18.16 and in current
 * versions (newer columns such as `readonly_start_time` or `zookeeper_exception` do not exist in 18.16).
 */
export const REPLICA_COLUMNS = [
  'database',
  'table',
  'engine',
  'is_leader',
  'is_readonly',
  'is_session_expired',
  'future_parts',
  'parts_to_check',
  'zookeeper_path',
  'replica_name',
  'queue_size',
  'inserts_in_queue',
  'merges_in_queue',
  'part_mutations_in_queue',
  'queue_oldest_time',
  'log_max_index',
  'log_pointer',
  'last_queue_update',
  'absolute_delay',
  'total_replicas',
  'active_replicas',
] as const;

/**
 * `absolute_delay` is the current Unix time when a replica never loaded its queue (readonly since
 * start). Any delay above ten years is that marker, not a real delay.
 */
export const NEVER_LOADED_DELAY_SECONDS = 315_360_000;

/** Longest server message kept in an error or a probe reason. */
export const MAX_SERVER_MESSAGE_LENGTH = 500;

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Cumulative `system.events` counters judged per cycle (deltas), by field name. */
export const SERVER_COUNTERS = {
  /** Connection loss and session expiry between ClickHouse and ZooKeeper/Keeper. */
  zooKeeperHardwareExceptions: 'ZooKeeperHardwareExceptions',
  /** INSERTs throttled because a partition had too many parts (parts_to_delay_insert). */
  delayedInserts: 'DelayedInserts',
  /** INSERTs refused with TOO_MANY_PARTS (parts_to_throw_insert): the client's data was not written. */
  rejectedInserts: 'RejectedInserts',
} as const;
