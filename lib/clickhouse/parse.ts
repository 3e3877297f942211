import { PROBE_FAILURES } from '../probe/index.js';
import {
  CLICKHOUSE_ERROR_CODES,
  MAX_SERVER_MESSAGE_LENGTH,
  NEVER_LOADED_DELAY_SECONDS,
} from './constants.js';
import { ClickHouseRequestError, parseClickHouseError } from './errors.js';
import type { ReplicaTableState, ReplicasStatus, ReplicasStatusTable, TableState } from './types.js';

const badReply = (message: string): ClickHouseRequestError =>
  new ClickHouseRequestError(CLICKHOUSE_ERROR_CODES.badReply, message, { failure: PROBE_FAILURES.badReply });

// ---------------------------------------------------------------------------------------------
// /replicas_status

/** A plain identifier, or one that `backQuoteIfNeed` quoted (backslash escapes inside). */
const NAME = '(?:`(?:[^`\\\\]|\\\\.)*`|[A-Za-z_][A-Za-z0-9_]*)';
const TABLE_LINE_RE = new RegExp(
  `^(${NAME})\\.(${NAME}):\\t(?:(is readonly)\\. ?|Absolute delay: (\\d+)\\. Relative delay: (\\d+)\\.)$`,
);

const unquote = (name: string): string =>
  name.startsWith('`') ? name.slice(1, -1).replace(/\\(.)/g, '$1') : name;

const parseTableLine = (line: string, index: number): ReplicasStatusTable => {
  const match = TABLE_LINE_RE.exec(line);
  if (match === null)
    throw badReply(
      `/replicas_status line ${index + 1} is not a table status: ${JSON.stringify(line.slice(0, 200))}`,
    );
  const [, database, table, readonly, absolute, relative] = match;
  if (readonly !== undefined) {
    return {
      database: unquote(database!),
      table: unquote(table!),
      state: 'readonly',
      absoluteDelay: null,
      relativeDelay: null,
    };
  }
  const absoluteDelay = Number(absolute);
  const relativeDelay = Number(relative);
  const state: TableState = absoluteDelay > 0 || relativeDelay > 0 ? 'delayed' : 'ok';
  return { database: unquote(database!), table: unquote(table!), state, absoluteDelay, relativeDelay };
};

/**
 * Parses a `/replicas_status` reply. 200 and 503 carry either `Ok.` or one line per replicated table
 * (`db.table:\tAbsolute delay: N. Relative delay: M.` or `db.table:\tis readonly. `); a verbose reply
 * from a server without replicated tables is empty. 503 means the server itself judged a delay too
 * large; readonly tables never cause it. Any other status is `kind: 'error'` (500 carries the exception,
 * e.g. servers before the readonly branch answered 500 with TABLE_IS_READ_ONLY).
 * Throws a CLICKHOUSE_BAD_REPLY error when a 200/503 body is not in this form.
 */
export const parseReplicasStatus = (httpStatus: number, body: string): ReplicasStatus => {
  if (httpStatus !== 200 && httpStatus !== 503) {
    const firstLine = body.trim().split('\n')[0] ?? '';
    return {
      kind: 'error',
      httpStatus,
      message: firstLine.slice(0, MAX_SERVER_MESSAGE_LENGTH) || `HTTP ${httpStatus} with an empty body`,
      exception: parseClickHouseError(body) ?? null,
    };
  }
  const lines = body.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const listed = !(lines.length === 1 && lines[0] === 'Ok.');
  const tables = listed ? lines.map(parseTableLine) : [];
  const readonly = tables.some((table) => table.state === 'readonly');
  const delayed = httpStatus === 503 || tables.some((table) => table.state === 'delayed');
  const kind = readonly && delayed ? 'mixed' : readonly ? 'readonly' : delayed ? 'delayed' : 'ok';
  return { kind, httpStatus, listed, tables };
};

// ---------------------------------------------------------------------------------------------
// system.replicas

/** Zero DateTime prints as `0000-00-00 00:00:00` (18.16) or the epoch in the server's time zone (newer). */
const ZERO_DATE_TIME = /^(?:0000-00-00|1970-01-01|1969-12-31)/;
const UNSIGNED = /^\d+$/;

/** A JSON number or digit string that is an unsigned integer (UInt64 arrives quoted), else undefined. */
export const unsignedOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? value
    : typeof value === 'string' && UNSIGNED.test(value)
      ? Number(value)
      : undefined;

/**
 * Typed reads of one JSONEachRow object's columns. A column that is missing or of the wrong type is noted
 * (`column: expected …`) and read as a placeholder; the row is rejected when any was noted. Read directly,
 * not through a schema library: the agent parses every replicated table of every replica each cycle.
 */
const columnsOf = (row: Record<string, unknown>) => {
  const problems: string[] = [];
  const wrong = (column: string, expected: string) => {
    problems.push(`${column}: expected ${expected}, got ${JSON.stringify(row[column]) ?? 'nothing'}`);
  };
  /** UInt64 arrives as a JSON string (output_format_json_quote_64bit_integers), smaller ints as numbers. */
  const count = (column: string): number => {
    const value = unsignedOf(row[column]);
    if (value !== undefined) return value;
    wrong(column, 'an unsigned integer');
    return 0;
  };
  /** UInt8 flags; Bool-typed columns print true/false. */
  const flagOf = (column: string, value: unknown): boolean => {
    if (value === 1 || value === true || value === '1') return true;
    if (value === 0 || value === false || value === '0') return false;
    wrong(column, 'a flag (0, 1, true or false)');
    return false;
  };
  return {
    problems,
    text: (column: string): string => {
      const value = row[column];
      if (typeof value === 'string') return value;
      wrong(column, 'a string');
      return '';
    },
    count,
    optionalCount: (column: string): number | null => (row[column] === undefined ? null : count(column)),
    flag: (column: string): boolean => flagOf(column, row[column]),
    /** Absent, null, empty: null. */
    optionalText: (column: string): string | null => {
      const value = row[column];
      if (value === undefined || value === null || value === '') return null;
      if (typeof value === 'string') return value;
      wrong(column, 'a string');
      return null;
    },
    /** Absent, null or the zero date: null. */
    dateTime: (column: string): string | null => {
      const value = row[column];
      if (value === undefined || value === null) return null;
      if (typeof value === 'string') return ZERO_DATE_TIME.test(value) ? null : value;
      wrong(column, 'a date and time');
      return null;
    },
    /** `Map(String, Bool)` of newer servers: replica name → active. */
    flagsByName: (column: string): Record<string, boolean> | null => {
      const value = row[column];
      if (value === undefined) return null;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        wrong(column, 'a map of flags');
        return null;
      }
      return Object.fromEntries(
        Object.entries(value).map(([name, flag]) => [name, flagOf(`${column}.${name}`, flag)]),
      );
    },
  };
};

/**
 * Parses one `system.replicas` row in JSONEachRow form, from ClickHouse 18.16 (a subset of the columns)
 * or a current version (37 columns). Unknown columns are ignored; the ones chdr relies on must be there.
 * Throws a CLICKHOUSE_BAD_REPLY error otherwise.
 */
export const parseReplicaRow = (row: unknown): ReplicaTableState => parseRow(row, 'system.replicas row');

/** Parses every row; the first bad one fails the whole reply (named by its position). */
export const parseReplicaRows = (rows: readonly unknown[]): ReplicaTableState[] =>
  rows.map((row, index) => parseRow(row, `system.replicas row ${index + 1}`));

const parseRow = (row: unknown, where: string): ReplicaTableState => {
  if (typeof row !== 'object' || row === null || Array.isArray(row))
    throw badReply(`${where}: expected an object, got ${JSON.stringify(row)?.slice(0, 200)}`);
  const c = columnsOf(row as Record<string, unknown>);
  const read = {
    database: c.text('database'),
    table: c.text('table'),
    engine: c.text('engine'),
    replicaName: c.text('replica_name'),
    zookeeperPath: c.text('zookeeper_path'),
    isLeader: c.flag('is_leader'),
    isReadonly: c.flag('is_readonly'),
    isSessionExpired: c.flag('is_session_expired'),
    queueSize: c.count('queue_size'),
    insertsInQueue: c.count('inserts_in_queue'),
    mergesInQueue: c.count('merges_in_queue'),
    logMaxIndex: c.count('log_max_index'),
    logPointer: c.count('log_pointer'),
    absoluteDelay: c.count('absolute_delay'),
    totalReplicas: c.count('total_replicas'),
    activeReplicas: c.count('active_replicas'),
    // Read when present: not in chdr's query, or not in 18.16.
    partMutationsInQueue: c.optionalCount('part_mutations_in_queue'),
    futureParts: c.optionalCount('future_parts'),
    partsToCheck: c.optionalCount('parts_to_check'),
    queueOldestTime: c.dateTime('queue_oldest_time'),
    lastQueueUpdate: c.dateTime('last_queue_update'),
    readonlySince: c.dateTime('readonly_start_time'),
    zookeeperException: c.optionalText('zookeeper_exception'),
    lastQueueUpdateException: c.optionalText('last_queue_update_exception'),
    lostPartCount: c.optionalCount('lost_part_count'),
    replicaIsActive: c.flagsByName('replica_is_active'),
  };
  if (c.problems.length > 0) throw badReply(`${where}: ${c.problems.join('; ')}`);
  return {
    ...read,
    logLag: Math.max(0, read.logMaxIndex - read.logPointer),
    queueNeverLoaded: read.absoluteDelay > NEVER_LOADED_DELAY_SECONDS,
  };
};
