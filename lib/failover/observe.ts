import { parseReplicaRows, REPLICAS_QUERY, type ReplicaTableState } from '../clickhouse/index.js';
import type { ClickHouseConnection } from '../clickhouse/types.js';
import { parseMntr, parseSrvr } from '../keeper/index.js';
import type { CoordinationNode, ReplicaEndpoint } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { StepContext } from './types.js';

/** A coordination node as `srvr` (and `mntr` for followers) shows it; never throws. */
export interface CoordinationState {
  node: string;
  reachable: boolean;
  /** leader, follower, observer, standalone; `not-serving` when it answers but refuses; `unreachable`. */
  mode: string;
  zxid: bigint | null;
  /** `zk_synced_followers` on a leader. */
  syncedFollowers?: number;
  reason?: string;
}

const requestTimeout = (ctx: Pick<StepContext, 'deadline' | 'deps'>): number =>
  Math.max(200, Math.min(DEFAULT_REQUEST_TIMEOUT_MS, ctx.deadline - ctx.deps.clock.now()));

export const coordinationState = async (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  node: CoordinationNode,
): Promise<CoordinationState> => {
  const reply = await ctx.deps.sendWord(node, 'srvr', requestTimeout(ctx));
  if (!reply.ok) {
    return { node: node.name, reachable: false, mode: 'unreachable', zxid: null, reason: reply.reason };
  }
  const parsed = parseSrvr(reply.value);
  if (!parsed.ok)
    return { node: node.name, reachable: true, mode: 'not-serving', zxid: null, reason: parsed.reason };
  const state: CoordinationState = {
    node: node.name,
    reachable: true,
    mode: parsed.value.mode,
    zxid: parsed.value.zxid,
  };
  if (node.kind === 'keeper' && state.mode === 'standalone') {
    // A Keeper learner reports `standalone`; only `isro` (`ro`) tells it apart from a one-node leader.
    const isro = await ctx.deps.sendWord(node, 'isro', requestTimeout(ctx));
    if (isro.ok && isro.value.trim() === 'ro') state.mode = 'observer';
  }
  if (state.mode === 'leader') {
    const mntr = await ctx.deps.sendWord(node, 'mntr', requestTimeout(ctx));
    const report = mntr.ok ? parseMntr(mntr.value) : undefined;
    if (report?.ok && report.value.syncedFollowers !== undefined)
      state.syncedFollowers = report.value.syncedFollowers;
  }
  return state;
};

export const coordinationStates = (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  nodes: readonly CoordinationNode[],
): Promise<CoordinationState[]> => Promise.all(nodes.map((node) => coordinationState(ctx, node)));

export const describeStates = (states: readonly CoordinationState[]): string =>
  states.map((s) => `${s.node}=${s.mode}${s.zxid !== null ? `@0x${s.zxid.toString(16)}` : ''}`).join(', ');

/** The same `system.replicas` query and parser as the monitoring cycle (18.16 and current versions). */
export const REPLICAS_SQL = REPLICAS_QUERY;

export const heartbeatLagSql = (ctx: Pick<StepContext, 'topology'>, site: string): string =>
  `SELECT toUInt32(max(updated_at)) AS last, toUInt32(now()) AS now FROM ${ctx.topology.heartbeat.database}.${ctx.topology.heartbeat.table} WHERE site_id = '${site.replace(/'/g, "\\'")}'`;

export const heartbeatInsertSql = (ctx: Pick<StepContext, 'topology'>, site: string): string =>
  `INSERT INTO ${ctx.topology.heartbeat.database}.${ctx.topology.heartbeat.table} (site_id, updated_at) VALUES ('${site.replace(/'/g, "\\'")}', now())`;

export const INSERTS_RUNNING_SQL =
  "SELECT count() AS inserts FROM system.processes WHERE lower(query) LIKE 'insert%' AND query NOT LIKE '%chdr-failover%'";

/** Runs one request on a replica; failures become FailoverErrors naming the replica. */
const onReplica = async <T>(
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  replica: ReplicaEndpoint,
  request: (connection: ClickHouseConnection, timeoutMs: number) => Promise<T>,
): Promise<T> => {
  const connection = ctx.deps.connect(replica);
  try {
    return await request(connection, requestTimeout(ctx));
  } catch (cause) {
    throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, `${replica.name}: ${describeError(cause)}`, {
      cause,
    });
  }
};

export const queryReplica = <T>(
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  replica: ReplicaEndpoint,
  sql: string,
): Promise<T[]> =>
  onReplica(ctx, replica, (connection, timeoutMs) => connection.queryRows<T>(sql, { timeoutMs }));

export const execReplica = (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  replica: ReplicaEndpoint,
  sql: string,
): Promise<void> => onReplica(ctx, replica, (connection, timeoutMs) => connection.exec(sql, { timeoutMs }));

export const replicaTables = async (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  replica: ReplicaEndpoint,
): Promise<ReplicaTableState[]> => parseReplicaRows(await queryReplica<unknown>(ctx, replica, REPLICAS_SQL));

/** Server start time in epoch seconds. */
export const replicaStartedAt = async (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  replica: ReplicaEndpoint,
): Promise<number> => {
  const rows = await queryReplica<{ started: number | string }>(
    ctx,
    replica,
    'SELECT toUInt32(now()) - uptime() AS started',
  );
  return Number(rows[0]?.started);
};

/** Age in seconds of `site`'s newest heartbeat row as seen at `replica`; null when never seen. */
export const heartbeatAge = async (
  ctx: Pick<StepContext, 'deadline' | 'deps' | 'topology'>,
  replica: ReplicaEndpoint,
  site: string,
): Promise<{ ageSeconds: number | null; last: number }> => {
  const rows = await queryReplica<{ last: number | string; now: number | string }>(
    ctx,
    replica,
    heartbeatLagSql(ctx, site),
  );
  const last = Number(rows[0]?.last ?? 0);
  const now = Number(rows[0]?.now ?? 0);
  return { ageSeconds: last > 0 ? Math.max(0, now - last) : null, last };
};

/**
 * Polls `check` until it returns null (done) or the step's deadline passes; then throws with the last reason.
 * `check` may throw: that counts as "not yet" with the error as the reason.
 */
export const waitUntil = async (
  ctx: Pick<StepContext, 'deadline' | 'deps'>,
  what: string,
  check: () => Promise<string | null>,
): Promise<void> => {
  let reason: string;
  for (;;) {
    if (ctx.deps.signal?.aborted)
      throw new FailoverError(FAILOVER_ERROR_CODES.aborted, `aborted while waiting: ${what}`);
    try {
      const result = await check();
      if (result === null) return;
      reason = result;
    } catch (error) {
      reason = describeError(error);
    }
    if (ctx.deps.clock.now() + ctx.deps.pollIntervalMs > ctx.deadline) {
      throw new FailoverError(FAILOVER_ERROR_CODES.timeout, `timed out waiting: ${what}; last: ${reason}`);
    }
    await ctx.deps.sleep(ctx.deps.pollIntervalMs, ctx.deps.signal);
  }
};
