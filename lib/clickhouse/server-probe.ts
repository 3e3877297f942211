import { probeOk, type ProbeResult } from '../probe/index.js';
import { SERVER_COUNTERS } from './constants.js';
import { probeFailedWith } from './errors.js';
import type { ReplicaProbeOptions } from './probe.js';
import type { ClickHouseConnection, ServerCounters, ServerHealth } from './types.js';

/**
 * Server-wide figures the operator's alert rules watch, one row kind each. Every query works on ClickHouse
 * 18.16 and current versions. Each yields the same string columns, so that they run as one statement.
 */
export const SERVER_QUERIES = {
  now: "SELECT 'now' AS kind, '' AS name, '' AS detail, toString(toUInt64(now())) AS value",
  partsPerPartition:
    "SELECT 'parts', concat(database, '.', table), partition_id, toString(parts) FROM (" +
    'SELECT database, table, partition_id, count() AS parts FROM system.parts WHERE active ' +
    'GROUP BY database, table, partition_id ORDER BY parts DESC LIMIT 1)',
  events: `SELECT 'event', event, '', toString(value) FROM system.events WHERE event IN (${Object.values(
    SERVER_COUNTERS,
  )
    .map((name) => `'${name}'`)
    .join(', ')})`,
  sessions:
    "SELECT 'sessions', '', '', toString(value) FROM system.metrics WHERE metric = 'ZooKeeperSession'",
  // Whether the users lint can ask: a query of a missing table costs 18.16 an exception in its error log.
  usersTable:
    "SELECT 'users-table', '', '', toString(count()) FROM system.tables WHERE database = 'system' AND name = 'users'",
} as const;

/** All of them as one request per replica and cycle (the cycle sends several to each replica). */
export const SERVER_QUERY = Object.values(SERVER_QUERIES).join(' UNION ALL ');

interface ServerRow {
  kind: string;
  name: string;
  detail: string;
  value: string;
}

const toNumber = (value: unknown): number | null => {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : null;
};

/**
 * Counters kept between cycles (`{ replica: { field: value } }` in the state store), as the cycle's map.
 * Anything unreadable is dropped: the next cycle then has nothing to compare with, which is safe.
 */
export const parseServerCounterMemory = (stored: unknown): Map<string, ServerCounters> => {
  const memory = new Map<string, ServerCounters>();
  if (typeof stored !== 'object' || stored === null) return memory;
  for (const [replica, value] of Object.entries(stored)) {
    const fields = Object.keys(SERVER_COUNTERS) as (keyof ServerCounters)[];
    const counters = value as Partial<Record<keyof ServerCounters, unknown>> | null;
    if (counters !== null && fields.every((field) => typeof counters[field] === 'number')) {
      memory.set(replica, counters as ServerCounters);
    }
  }
  return memory;
};

/** system.events lists only events that happened: a missing counter is zero. */
export const parseCounters = (rows: readonly ServerRow[]): ServerCounters => {
  const byEvent = new Map(rows.map((row) => [row.name, toNumber(row.value) ?? 0]));
  const counters = {} as ServerCounters;
  for (const [field, event] of Object.entries(SERVER_COUNTERS) as [keyof ServerCounters, string][]) {
    counters[field] = byEvent.get(event) ?? 0;
  }
  return counters;
};

const parsePartsRow = (row: ServerRow | undefined): ServerHealth['busiestPartition'] => {
  const parts = toNumber(row?.value);
  return row === undefined || parts === null ? null : { table: row.name, partition: row.detail, parts };
};

/** The statement's rows by kind; a row of no known kind or shape is ignored. */
const rowsByKind = (rows: readonly unknown[]): Map<string, ServerRow[]> => {
  const byKind = new Map<string, ServerRow[]>();
  for (const row of rows) {
    const { kind, name, detail, value } = row as Partial<Record<keyof ServerRow, unknown>>;
    if (typeof kind !== 'string') continue;
    const typed = {
      kind,
      name: String(name ?? ''),
      detail: String(detail ?? ''),
      value: String(value ?? ''),
    };
    byKind.set(kind, [...(byKind.get(kind) ?? []), typed]);
  }
  return byKind;
};

/**
 * Asks one server its clock, its busiest partition, its ZooKeeper/insert counters, its coordination
 * sessions and whether it has `system.users`. Clock skew is the server's `now()` against the midpoint of the agent's request (whole seconds on
 * the server, so ± 1 s plus half the round trip). Never throws.
 */
export const probeServerHealth = async (
  connection: ClickHouseConnection,
  { timeoutMs, clock }: ReplicaProbeOptions,
): Promise<ProbeResult<ServerHealth>> => {
  const startedAt = clock.now();
  try {
    const sentAt = clock.now();
    const rows = rowsByKind(await connection.queryRows(SERVER_QUERY, { timeoutMs }));
    const first = (kind: string) => rows.get(kind)?.[0];
    const serverNow = toNumber(first('now')?.value);
    const midpoint = (sentAt + clock.now()) / 2000;
    return probeOk(
      {
        clockSkewSeconds: serverNow === null ? null : Math.round(serverNow - midpoint),
        busiestPartition: parsePartsRow(first('parts')),
        counters: parseCounters(rows.get('event') ?? []),
        zooKeeperSessions: toNumber(first('sessions')?.value) ?? 0,
        usersTable: first('users-table') === undefined ? null : toNumber(first('users-table')!.value) !== 0,
      },
      startedAt,
      clock,
    );
  } catch (error) {
    return probeFailedWith(error, startedAt, clock);
  }
};
