import type { ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { readVerdict, type SiteVerdict } from '../../roles/index.js';
import { heartbeatAge, queryReplica } from '../observe.js';
import type { StepContext } from '../types.js';

/**
 * The data-loss estimate of a forced failover (issue 11.4), from what was known when the source went
 * silent, never from the time since: the parts the target's replicas know of but never fetched
 * (`system.replication_queue`, held in memory: no ZooKeeper needed) span the writes that only the source
 * has; the target agent's last measured lag adds what had not even been logged yet.
 *
 * ClickHouse 18.16, measured with the source's ZooKeeper frozen (SIGSTOP): `system.replicas` answers at
 * once unless a column read from ZooKeeper is selected (`log_max_index`, `log_pointer`,
 * `total_replicas`, `active_replicas`, `zookeeper_exception`): those wait the operation timeout (5 s) and
 * fail with "Connection loss", and once the session has expired they read as 0 without an error. So the
 * ZooKeeper columns are read apart, with a short timeout, and only from a replica whose session is alive.
 * `absolute_delay` keeps growing with the clock after the source is gone: it is shown, not judged.
 */

/** Fetches the target still owes: parts logged at the source and never downloaded. No ZooKeeper. */
export const PENDING_FETCHES_SQL =
  "SELECT database, table, count() AS parts, toUInt32(min(create_time)) AS oldest, toUInt32(max(create_time)) AS newest, groupArray(new_part_name) AS names FROM system.replication_queue WHERE type = 'GET_PART' GROUP BY database, table ORDER BY database, table";

/** The newest replication log entry the replica had seen at all: evidence the source was alive then. */
export const NEWEST_QUEUE_ENTRY_SQL =
  'SELECT toUInt32(max(create_time)) AS newest FROM system.replication_queue';

/** `system.replicas` without a column that waits on ZooKeeper. */
export const REPLICA_QUEUES_SQL =
  'SELECT database, table, is_readonly, is_session_expired, queue_size, inserts_in_queue, absolute_delay FROM system.replicas ORDER BY database, table';

/** Log entries not yet copied into the replica's queue: needs a live ZooKeeper session. */
export const LOG_GAP_SQL =
  'SELECT database, table, log_max_index - log_pointer AS behind FROM system.replicas WHERE is_session_expired = 0 ORDER BY database, table';

/** Bound on the one read that needs the source's ZooKeeper (18.16 waits its 5 s operation timeout). */
const LOG_GAP_TIMEOUT_MS = 1_500;

export interface PendingFetches {
  table: string;
  parts: number;
  /** Epoch seconds of the oldest and newest missing part's log entry. */
  oldest: number;
  newest: number;
  /** The missing parts' names (their rows can be counted where the source still answers). */
  names: string[];
}

export interface ReplicaQueue {
  table: string;
  readonly: boolean;
  sessionExpired: boolean;
  queueSize: number;
  insertsInQueue: number;
  absoluteDelay: number;
}

/** A read that may fail: a failed read is reported as failed, never as "nothing there". */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What one target replica knows of the writes it lacks. */
export interface ReplicaLossView {
  replica: string;
  pending: Read<PendingFetches[]>;
  queues: Read<ReplicaQueue[]>;
  logGap: Read<{ table: string; entries: number }[]>;
  /** Epoch seconds of the newest evidence that the source was alive (heartbeat row, log entry); null: none. */
  lastSeenAlive: Read<number | null>;
}

export interface LossEstimate {
  /** Seconds of the source's writes the target is estimated to miss; null when no replica could be read. */
  seconds: number | null;
  basis: string;
  /** Per table: parts (and log entries) the best target replica lacks. */
  tables: { table: string; parts: number; rows: number | null; logEntries: number | null }[];
  /** The target replica the estimate is for (the one that holds the most). */
  replica: string | null;
  failedReads: string[];
}

const read = async <T>(action: () => Promise<T>): Promise<Read<T>> => {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
};

const num = (value: unknown): number => Number(value ?? 0) || 0;
const tableOf = (row: { database?: unknown; table?: unknown }): string =>
  `${String(row.database)}.${String(row.table)}`;

export const parsePendingFetches = (rows: readonly Record<string, unknown>[]): PendingFetches[] =>
  rows.map((row) => ({
    table: tableOf(row),
    parts: num(row.parts),
    oldest: num(row.oldest),
    newest: num(row.newest),
    names: Array.isArray(row.names) ? row.names.map(String) : [],
  }));

export const parseReplicaQueues = (rows: readonly Record<string, unknown>[]): ReplicaQueue[] =>
  rows.map((row) => ({
    table: tableOf(row),
    readonly: num(row.is_readonly) === 1,
    sessionExpired: num(row.is_session_expired) === 1,
    queueSize: num(row.queue_size),
    insertsInQueue: num(row.inserts_in_queue),
    absoluteDelay: num(row.absolute_delay),
  }));

/** Reads what one target replica knows, each read on its own (one failing does not hide the others). */
export const readReplicaLossView = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  source: string,
): Promise<ReplicaLossView> => {
  const rows = (sql: string) => queryReplica<Record<string, unknown>>(ctx, replica, sql);
  const [pending, queues, heartbeat, newestEntry] = await Promise.all([
    read(async () => parsePendingFetches(await rows(PENDING_FETCHES_SQL))),
    read(async () => parseReplicaQueues(await rows(REPLICA_QUEUES_SQL))),
    read(() => heartbeatAge(ctx, replica, source)),
    read(async () => num((await rows(NEWEST_QUEUE_ENTRY_SQL))[0]?.newest)),
  ]);
  const shortCtx = { ...ctx, deadline: Math.min(ctx.deadline, ctx.deps.clock.now() + LOG_GAP_TIMEOUT_MS) };
  const logGap = await read(async () =>
    (await queryReplica<Record<string, unknown>>(shortCtx, replica, LOG_GAP_SQL)).map((row) => ({
      table: tableOf(row),
      entries: num(row.behind),
    })),
  );
  const lastSeenAlive: Read<number | null> =
    heartbeat.ok || newestEntry.ok
      ? {
          ok: true,
          value:
            Math.max(heartbeat.ok ? heartbeat.value.last : 0, newestEntry.ok ? newestEntry.value : 0) || null,
        }
      : { ok: false, reason: heartbeat.ok ? '' : heartbeat.reason };
  return { replica: replica.name, pending, queues, logGap, lastSeenAlive };
};

/** Seconds of writes a replica lacks: from its oldest missing part to the last sign of the source alive. */
const replicaLossSeconds = (view: ReplicaLossView): number | null => {
  if (!view.pending.ok) return null;
  if (view.pending.value.length === 0) return 0;
  const oldest = Math.min(...view.pending.value.map((p) => p.oldest));
  const newest = Math.max(
    ...view.pending.value.map((p) => p.newest),
    view.lastSeenAlive.ok ? (view.lastSeenAlive.value ?? 0) : 0,
  );
  return Math.max(0, newest - oldest);
};

const failedReadsOf = (view: ReplicaLossView): string[] =>
  (
    [
      ['system.replication_queue', view.pending],
      ['system.replicas', view.queues],
      ['log_max_index - log_pointer', view.logGap],
      ['heartbeat rows', view.lastSeenAlive],
    ] as const
  ).flatMap(([what, result]) =>
    result.ok ? [] : [`${view.replica}: ${what} read failed: ${result.reason}`],
  );

const lagOf = (verdict: SiteVerdict | undefined, source: string): number | null =>
  verdict?.lagSeconds[source] ?? null;

/** The target's own verdict, wherever it is kept (its store first; the source's may be gone). */
const targetVerdict = async (
  ctx: StepContext,
  from: Site,
  to: Site,
): Promise<Read<SiteVerdict | undefined>> => {
  const storeOf = ctx.deps.storeOf;
  const first = await read(() => readVerdict(storeOf(to.name), ctx.topology.cluster, to.name));
  if (first.ok && first.value) return first;
  const second = await read(() => readVerdict(storeOf(from.name), ctx.topology.cluster, to.name));
  return second.ok && second.value ? second : first;
};

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Rows of the missing parts per table, counted at the source (active or merged away); none: unknown. */
export const missingRowsSql = (pending: readonly PendingFetches[]): string =>
  `SELECT concat(database, '.', table) AS t, sum(rows) AS rows FROM system.parts WHERE concat(database, '.', table, '/', name) IN (${pending
    .flatMap((p) => p.names.map((name) => quote(`${p.table}/${name}`)))
    .join(', ')}) GROUP BY t`;

/**
 * Rows the target lacks, where a source replica still answers (a partial outage): plain `system.parts`,
 * no ZooKeeper, bounded like the log gap read. Null when no source replica answers.
 */
const rowsAtSource = async (
  ctx: StepContext,
  from: Site,
  pending: readonly PendingFetches[],
): Promise<Map<string, number> | null> => {
  if (pending.length === 0) return new Map();
  const shortCtx = { ...ctx, deadline: Math.min(ctx.deadline, ctx.deps.clock.now() + LOG_GAP_TIMEOUT_MS) };
  for (const replica of from.replicas) {
    const rows = await read(() =>
      queryReplica<{ t: string; rows: unknown }>(shortCtx, replica, missingRowsSql(pending)),
    );
    if (rows.ok) return new Map(rows.value.map((r) => [r.t, num(r.rows)]));
  }
  return null;
};

/** Reads every target replica and the target agent's verdict, and estimates the loss (see the module doc). */
export const estimateDataLoss = async (ctx: StepContext, from: Site, to: Site): Promise<LossEstimate> => {
  const views = await Promise.all(to.replicas.map((r) => readReplicaLossView(ctx, r, from.name)));
  const verdict = await targetVerdict(ctx, from, to);
  const failedReads = [
    ...views.flatMap(failedReadsOf),
    ...(verdict.ok ? [] : [`${to.name} agent's verdict read failed: ${verdict.reason}`]),
  ];
  const measured = views
    .map((view) => ({ view, seconds: replicaLossSeconds(view) }))
    .filter((m): m is { view: ReplicaLossView; seconds: number } => m.seconds !== null)
    .sort((a, b) => a.seconds - b.seconds);
  const agentLag = verdict.ok ? lagOf(verdict.value, from.name) : null;
  const agentPart =
    verdict.ok && verdict.value
      ? `${to.name}'s agent last measured ${agentLag ?? 'no'} s of lag behind ${from.name} (verdict of ${verdict.value.at})`
      : `no verdict of ${to.name}'s agent recorded`;
  const best = measured[0];
  if (!best) {
    return {
      seconds: null,
      basis: `no replica of ${to.name} could be read; ${agentPart}`,
      tables: [],
      replica: null,
      failedReads,
    };
  }
  const gaps = best.view.logGap.ok ? best.view.logGap.value : null;
  const pending = best.view.pending.ok ? best.view.pending.value : [];
  const sourceRows = await rowsAtSource(ctx, from, pending);
  const tables = [
    ...new Set([
      ...pending.map((p) => p.table),
      ...(gaps ?? []).filter((g) => g.entries > 0).map((g) => g.table),
    ]),
  ].map((table) => ({
    table,
    parts: pending.find((p) => p.table === table)?.parts ?? 0,
    rows: sourceRows === null ? null : (sourceRows.get(table) ?? 0),
    logEntries: gaps === null ? null : (gaps.find((g) => g.table === table)?.entries ?? 0),
  }));
  const seconds = Math.max(best.seconds, agentLag ?? 0);
  const missing =
    pending.length === 0
      ? `${best.view.replica} has fetched every part it knows of`
      : `${best.view.replica} never fetched ${pending.map((p) => `${p.table}: ${p.parts} parts written ${iso(p.oldest)}..${iso(p.newest)}`).join(', ')}`;
  return {
    seconds,
    basis: `${missing}${pending.length > 0 && sourceRows === null ? ` (rows unknown: no replica of ${from.name} answers)` : ''}; ${agentPart}${gaps === null ? '; log entries not yet queued: unknown (ZooKeeper unreadable)' : ''}`,
    tables,
    replica: best.view.replica,
    failedReads,
  };
};

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();
