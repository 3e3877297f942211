import { probeFailureOf, type ClickHouseConnection } from '../clickhouse/index.js';
import type { ReplicaEndpoint, Topology } from '../config/index.js';
import type { Clock } from '../probe/index.js';
import { hasAccessManagement, monitorUserSql } from './monitor-user.js';
import { ensureHeartbeatTable } from './write.js';

/** What `chdr setup` did on one replica. */
export interface ReplicaSetup {
  site: string;
  replica: string;
  /** The heartbeat table exists there now (created, or it was already there). */
  tableReady: boolean;
  /** SQL user management on this server; null when it could not be asked. */
  accessManagement: boolean | null;
  /** The monitoring user was created and granted here (`--apply-user`). */
  userApplied: boolean;
  problems: string[];
}

export interface SetupOptions {
  topology: Topology;
  connect: (replica: ReplicaEndpoint) => ClickHouseConnection;
  clock: Clock;
  /** Create the monitoring user with this name and password where SQL user management exists. */
  applyUser?: { user: string; password: string };
}

const reasonOf = (error: unknown): string => probeFailureOf(error).reason;

const setUpReplica = async (
  options: SetupOptions,
  site: string,
  replica: ReplicaEndpoint,
): Promise<ReplicaSetup> => {
  const { topology, clock } = options;
  const timeoutMs = topology.timeouts.probeMs * 4;
  const connection = options.connect(replica);
  const problems: string[] = [];
  const table = await ensureHeartbeatTable(connection, topology.heartbeat, { timeoutMs, clock });
  if (!table.ok) problems.push(table.reason);
  const accessManagement = await hasAccessManagement(connection, timeoutMs).catch((error: unknown) => {
    problems.push(`could not tell whether SQL user management exists: ${reasonOf(error)}`);
    return null;
  });
  let userApplied = false;
  if (options.applyUser && accessManagement) {
    try {
      for (const statement of monitorUserSql(
        topology.heartbeat,
        options.applyUser.user,
        options.applyUser.password,
      ))
        await connection.exec(statement, { timeoutMs });
      userApplied = true;
    } catch (error) {
      problems.push(`monitoring user not applied: ${reasonOf(error)}`);
    }
  }
  return { site, replica: replica.name, tableReady: table.ok, accessManagement, userApplied, problems };
};

/**
 * Prepares every replica of every site for monitoring: the heartbeat table (the guide's DDL, path from
 * the topology; `IF NOT EXISTS`, so running it again changes nothing) and, when asked, the monitoring
 * user. Never throws: each replica's outcome is reported.
 */
export const setUpReplicas = (options: SetupOptions): Promise<ReplicaSetup[]> =>
  Promise.all(
    options.topology.sites.flatMap((site) =>
      site.replicas.map((replica) => setUpReplica(options, site.name, replica)),
    ),
  );
