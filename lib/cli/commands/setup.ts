import type { Command } from 'commander';
import { closeCachedConnections } from '../../clickhouse/index.js';
import { loadTopology, type Topology } from '../../config/index.js';
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
import { stateOptions, type StateOptions } from '../state-option.js';
import { configOption, rolesBySite, runCycles } from '../topology-option.js';

/** Time for the first heartbeats to replicate to the other site before the second proving cycle. */
const SECOND_CYCLE_AFTER_MS = 2_000;

interface SetupCommandOptions extends StateOptions {
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

/**
 * `chdr setup`: creates the heartbeat table on every replica, prints (or applies) a least-privilege
 * monitoring user, then runs one cycle to prove it. Idempotent.
 */
export const registerSetupCommand = (program: Command): void => {
  const command = program
    .command('setup')
    .description(
      'create the heartbeat table on every replica, print or apply the monitoring user, then run one cycle',
    )
    .addOption(configOption())
    .option('--admin-user <name>', 'connect as this user for the DDL (default: the topology’s user)')
    .option('--admin-password-env <VAR>', "environment variable holding the admin user's password")
    .option(
      '--monitor-user <name>',
      `the monitoring user to create (default: the topology's, else ${DEFAULT_MONITOR_USER})`,
    )
    .option(
      '--apply-user',
      'create the monitoring user where SQL user management exists, instead of printing it',
    )
    .option('--monitor-password-env <VAR>', "environment variable holding the monitoring user's password");
  for (const option of stateOptions()) command.addOption(option);
  command.action(async (options: SetupCommandOptions) => {
    const topology = await loadTopology(options.config);
    const topologyUser = topology.sites[0]?.replicas[0]?.user;
    const user =
      options.monitorUser ??
      (topologyUser && topologyUser !== 'default' ? topologyUser : DEFAULT_MONITOR_USER);
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
  });
};
