import * as z from 'zod';
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

/** UInt64 arrives as a JSON string (output_format_json_quote_64bit_integers), smaller ints as numbers. */
const count = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected an unsigned integer')])
  .transform(Number);
/** UInt8 flags; Bool-typed columns print true/false. */
const flag = z
  .union([z.literal(0), z.literal(1), z.boolean(), z.literal('0'), z.literal('1')])
  .transform((value) => value === 1 || value === true || value === '1');
/** Zero DateTime prints as `0000-00-00 00:00:00` (18.16) or the epoch in the server's time zone (newer). */
const dateTime = z
  .string()
  .nullable()
  .transform((value) =>
    value === null || /^(?:0000-00-00|1970-01-01|1969-12-31)/.test(value) ? null : value,
  );
const text = z.string();
const optionalText = text.nullish().transform((value) => (value ? value : null));

const replicaRowSchema = z.looseObject({
  database: text,
  table: text,
  engine: text,
  replica_name: text,
  zookeeper_path: text,
  is_leader: flag,
  is_readonly: flag,
  is_session_expired: flag,
  queue_size: count,
  inserts_in_queue: count,
  merges_in_queue: count,
  log_max_index: count,
  log_pointer: count,
  absolute_delay: count,
  total_replicas: count,
  active_replicas: count,
  // Read when present: not in chdr's query, or not in 18.16.
  part_mutations_in_queue: count.optional(),
  future_parts: count.optional(),
  parts_to_check: count.optional(),
  queue_oldest_time: dateTime.optional(),
  last_queue_update: dateTime.optional(),
  readonly_start_time: dateTime.optional(),
  zookeeper_exception: optionalText,
  last_queue_update_exception: optionalText,
  lost_part_count: count.optional(),
  replica_is_active: z.record(z.string(), flag).optional(),
});

const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; ');

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
  const parsed = replicaRowSchema.safeParse(row);
  if (!parsed.success) throw badReply(`${where}: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  return {
    database: r.database,
    table: r.table,
    engine: r.engine,
    replicaName: r.replica_name,
    zookeeperPath: r.zookeeper_path,
    isLeader: r.is_leader,
    isReadonly: r.is_readonly,
    isSessionExpired: r.is_session_expired,
    queueSize: r.queue_size,
    insertsInQueue: r.inserts_in_queue,
    mergesInQueue: r.merges_in_queue,
    partMutationsInQueue: r.part_mutations_in_queue ?? null,
    futureParts: r.future_parts ?? null,
    partsToCheck: r.parts_to_check ?? null,
    logMaxIndex: r.log_max_index,
    logPointer: r.log_pointer,
    logLag: Math.max(0, r.log_max_index - r.log_pointer),
    absoluteDelay: r.absolute_delay,
    queueNeverLoaded: r.absolute_delay > NEVER_LOADED_DELAY_SECONDS,
    totalReplicas: r.total_replicas,
    activeReplicas: r.active_replicas,
    queueOldestTime: r.queue_oldest_time ?? null,
    lastQueueUpdate: r.last_queue_update ?? null,
    readonlySince: r.readonly_start_time ?? null,
    zookeeperException: r.zookeeper_exception,
    lastQueueUpdateException: r.last_queue_update_exception,
    lostPartCount: r.lost_part_count ?? null,
    replicaIsActive: r.replica_is_active ?? null,
  };
};
