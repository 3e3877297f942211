import { closeCachedConnections } from '../../clickhouse/index.js';
import type { Topology } from '../../config/index.js';
import { loadCliTopology } from './topology.js';
import { replicaConnector } from '../../cycle/index.js';
import { ChdrError } from '../../errors/index.js';
import { worstStatus } from '../../health/index.js';
import {
  DEFAULT_MONITOR_USER,
  monitorUserSql,
  monitorUserXml,
  setUpReplicas,
  type ReplicaSetup,
} from '../../heartbeat/index.js';
import { systemClock } from '../../probe/index.js';
import { renderChecksTable, statusLabel } from '../../report/index.js';
import type { StateOptions } from '../state-option.js';
import { rolesBySite, runCycles } from './run-cycles.js';

/** Time for the first heartbeats to replicate to the other site before the second proving cycle. */
const SECOND_CYCLE_AFTER_MS = 2_000;

export interface SetupCommandOptions extends StateOptions {
  config: string;
  adminUser?: string;
  adminPasswordEnv?: string;
  monitorUser?: string;
  applyUser?: boolean;
  monitorPasswordEnv?: string;
}

/** The topology with every replica reached as the admin (DDL needs more than the monitoring user has). */
const asAdmin = (topology: Topology, options: SetupCommandOptions): Topology =>
  options.adminUser === undefined
    ? topology
    : {
        ...topology,
        sites: topology.sites.map((site) => ({
          ...site,
          replicas: site.replicas.map((replica) => ({
            ...replica,
            user: options.adminUser!,
            password: options.adminPasswordEnv === undefined ? undefined : { env: options.adminPasswordEnv },
          })),
        })),
      };

const secretFrom = (variable: string | undefined, flag: string): string => {
  const value = variable === undefined ? undefined : process.env[variable];
  if (!value) {
    throw new ChdrError(
      'USAGE_MISSING_PASSWORD',
      `${flag}: name an environment variable that holds the monitoring user's password (it is never printed)`,
    );
  }
  return value;
};

const describeReplica = (setup: ReplicaSetup): string =>
  `${setup.problems.length === 0 ? 'ok  ' : 'FAIL'} ${setup.site}/${setup.replica}: heartbeat table ${
    setup.tableReady ? 'ready' : 'NOT ready'
  }; user management ${
    setup.accessManagement === null ? 'unknown' : setup.accessManagement ? 'SQL' : 'users.xml'
  }${setup.userApplied ? '; monitoring user applied' : ''}${setup.problems.map((p) => `\n     ${p}`).join('')}`;

/** The monitoring user, as SQL where the servers manage users with SQL and as a users.xml snippet otherwise. */
const userInstructions = (topology: Topology, setups: readonly ReplicaSetup[], user: string): string => {
  const sql = setups.filter((s) => s.accessManagement === true && !s.userApplied).map((s) => s.replica);
  const xml = setups.filter((s) => s.accessManagement === false).map((s) => s.replica);
  const parts: string[] = [];
  if (sql.length > 0) {
    parts.push(
      `Monitoring user for ${sql.join(', ')} (or run setup with --apply-user --monitor-password-env VAR):`,
      ...monitorUserSql(topology.heartbeat, user, '<password from the secret the topology names>').map(
        (statement) => `  ${statement};`,
      ),
    );
  }
  if (xml.length > 0) {
    parts.push(
      `Monitoring user for ${xml.join(', ')} (no SQL user management on this version):`,
      monitorUserXml(topology.heartbeat, user),
    );
  }
  return parts.join('\n');
};

/** Creates the heartbeat table on every replica, prints or applies the monitoring user, runs one cycle. */
export const setup = async (options: SetupCommandOptions): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  const topologyUser = topology.sites[0]?.replicas[0]?.user;
  const user =
    options.monitorUser ?? (topologyUser && topologyUser !== 'default' ? topologyUser : DEFAULT_MONITOR_USER);
  const applyUser = options.applyUser
    ? { user, password: secretFrom(options.monitorPasswordEnv, '--monitor-password-env') }
    : undefined;
  const connect = await replicaConnector(asAdmin(topology, options), { env: process.env });
  let setups: ReplicaSetup[];
  try {
    setups = await setUpReplicas({
      topology,
      connect,
      clock: systemClock,
      ...(applyUser ? { applyUser } : {}),
    });
  } finally {
    await closeCachedConnections();
  }
  process.stdout.write(`${setups.map(describeReplica).join('\n')}\n\n`);
  const instructions = userInstructions(topology, setups, user);
  if (instructions) process.stdout.write(`${instructions}\n\n`);

  const roles = await rolesBySite(topology, options);
  let reports = await runCycles(topology, undefined, roles);
  // A fresh table: the first cycle wrote the first heartbeats, a second one sees them arrive.
  if (worstStatus(reports.map((report) => report.status)) !== 'ok') {
    await new Promise((resolve) => setTimeout(resolve, SECOND_CYCLE_AFTER_MS));
    reports = await runCycles(topology, undefined, roles);
  }
  const status = worstStatus(reports.map((report) => report.status));
  process.stdout.write(`One cycle to prove it:\n${renderChecksTable(reports.flatMap((r) => r.checks))}\n`);
  process.stdout.write(`\n${statusLabel(status)}: ${topology.cluster}\n`);
  const failed = setups.some((setup) => setup.problems.length > 0);
  process.exitCode = failed || status !== 'ok' ? 1 : 0;
};
