import { probeFailed, probeOk, type ProbeResult } from '../probe/index.js';
import { SERVER_COUNTERS } from './constants.js';
import { probeFailureOf } from './errors.js';
import type { ReplicaProbeOptions } from './probe.js';
import type { ClickHouseConnection, ServerCounters, ServerHealth } from './types.js';

/**
 * Server-wide figures the operator's alert rules watch. Every query works on ClickHouse 18.16 and current
 * versions; UInt64 values arrive as JSON strings (output_format_json_quote_64bit_integers).
 */
export const SERVER_QUERIES = {
  now: 'SELECT toUInt64(now()) AS now',
  partsPerPartition:
    'SELECT database, table, partition_id, count() AS parts FROM system.parts WHERE active ' +
    'GROUP BY database, table, partition_id ORDER BY parts DESC LIMIT 1',
  events: `SELECT event, value FROM system.events WHERE event IN (${Object.values(SERVER_COUNTERS)
    .map((name) => `'${name}'`)
    .join(', ')})`,
  sessions: "SELECT value FROM system.metrics WHERE metric = 'ZooKeeperSession'",
} as const;

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
export const parseCounters = (rows: readonly unknown[]): ServerCounters => {
  const byEvent = new Map(
    rows.map((row) => {
      const { event, value } = row as { event?: unknown; value?: unknown };
      return [String(event), toNumber(value) ?? 0];
    }),
  );
  const counters = {} as ServerCounters;
  for (const [field, event] of Object.entries(SERVER_COUNTERS) as [keyof ServerCounters, string][]) {
    counters[field] = byEvent.get(event) ?? 0;
  }
  return counters;
};

const parsePartsRow = (rows: readonly unknown[]): ServerHealth['busiestPartition'] => {
  const row = rows[0] as
    { database?: unknown; table?: unknown; partition_id?: unknown; parts?: unknown } | undefined;
  const parts = toNumber(row?.parts);
  return row === undefined || parts === null
    ? null
    : { table: `${String(row.database)}.${String(row.table)}`, partition: String(row.partition_id), parts };
};

/**
 * Asks one server its clock, its busiest partition, its ZooKeeper/insert counters and its coordination
 * sessions. Clock skew is the server's `now()` against the midpoint of the agent's request (whole seconds on
 * the server, so ± 1 s plus half the round trip). Never throws.
 */
export const probeServerHealth = async (
  connection: ClickHouseConnection,
  { timeoutMs, clock }: ReplicaProbeOptions,
): Promise<ProbeResult<ServerHealth>> => {
  const startedAt = clock.now();
  try {
    const sentAt = clock.now();
    const [nowRows, partsRows, eventRows, sessionRows] = await Promise.all([
      connection.queryRows(SERVER_QUERIES.now, { timeoutMs }),
      connection.queryRows(SERVER_QUERIES.partsPerPartition, { timeoutMs }),
      connection.queryRows(SERVER_QUERIES.events, { timeoutMs }),
      connection.queryRows(SERVER_QUERIES.sessions, { timeoutMs }),
    ]);
    const serverNow = toNumber((nowRows[0] as { now?: unknown } | undefined)?.now);
    const midpoint = (sentAt + clock.now()) / 2000;
    return probeOk(
      {
        clockSkewSeconds: serverNow === null ? null : Math.round(serverNow - midpoint),
        busiestPartition: parsePartsRow(partsRows),
        counters: parseCounters(eventRows),
        zooKeeperSessions: toNumber((sessionRows[0] as { value?: unknown } | undefined)?.value) ?? 0,
      },
      startedAt,
      clock,
    );
  } catch (error) {
    const failure = probeFailureOf(error);
    return probeFailed(failure.code, failure.reason, startedAt, clock, failure.serverErrorType);
  }
};
