import { probeFailed, probeOk, PROBE_FAILURES, type Clock, type ProbeResult } from '../probe/index.js';
import { REPLICA_COLUMNS } from './constants.js';
import { describeException, failureOfException, probeFailedWith } from './errors.js';
import { parseReplicaRows, parseReplicasStatus } from './parse.js';
import { probeServerHealth } from './server-probe.js';
import type { ClickHouseConnection, ReplicaProbe, ReplicaTableState, ReplicasStatusReport } from './types.js';

/** Every replicated table on the server, in every database (circular layouts keep shards in several). */
export const REPLICAS_QUERY = `SELECT ${REPLICA_COLUMNS.join(', ')} FROM system.replicas ORDER BY database, table`;

export interface ReplicaProbeOptions {
  timeoutMs: number;
  clock: Clock;
}

export const probeReplicasStatus = async (
  connection: ClickHouseConnection,
  { timeoutMs, clock }: ReplicaProbeOptions,
): Promise<ProbeResult<ReplicasStatusReport>> => {
  const startedAt = clock.now();
  try {
    const reply = await connection.replicasStatus({ verbose: true, timeoutMs });
    const status = parseReplicasStatus(reply.httpStatus, reply.body);
    if (status.kind !== 'error') return probeOk(status, startedAt, clock);
    const reason = `/replicas_status answered HTTP ${status.httpStatus}: ${status.exception === null ? status.message : describeException(status.exception)}`;
    return status.exception === null
      ? probeFailed(PROBE_FAILURES.httpError, reason, startedAt, clock)
      : probeFailed(failureOfException(status.exception), reason, startedAt, clock, status.exception.type);
  } catch (error) {
    return probeFailedWith(error, startedAt, clock);
  }
};

export const probeReplicaTables = async (
  connection: ClickHouseConnection,
  { timeoutMs, clock }: ReplicaProbeOptions,
): Promise<ProbeResult<ReplicaTableState[]>> => {
  const startedAt = clock.now();
  try {
    const rows = await connection.queryRows(REPLICAS_QUERY, { timeoutMs });
    return probeOk(parseReplicaRows(rows), startedAt, clock);
  } catch (error) {
    return probeFailedWith(error, startedAt, clock);
  }
};

/**
 * Asks one server both ways at once (`/replicas_status?verbose=1` and `system.replicas`) and its server-wide
 * figures. Never throws.
 */
export const probeReplica = async (
  connection: ClickHouseConnection,
  options: ReplicaProbeOptions,
): Promise<ReplicaProbe> => {
  const [status, tables, server] = await Promise.all([
    probeReplicasStatus(connection, options),
    probeReplicaTables(connection, options),
    probeServerHealth(connection, options),
  ]);
  return { status, tables, server };
};

/** Whether the server has `system.users`, as its probe saw it; null when the probe could not tell. */
export const usersTableOf = (probe: ReplicaProbe): boolean | null =>
  probe.server?.ok ? probe.server.value.usersTable : null;
