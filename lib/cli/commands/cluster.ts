import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_CLUSTER_DIR } from '../../localcluster/constants.js';
import type { DirOption } from '../actions/cluster.js';

const parsePortBase = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('give an integer port base, e.g. 18000');
  return parsed;
};

const parseSpares = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('give the number of spare servers, 0 to 2');
  return parsed;
};

const withDir = (command: Command): Command =>
  command.option('--dir <dir>', 'directory holding the cluster state, configs and data', DEFAULT_CLUSTER_DIR);

const actions = () => import('../actions/cluster.js');

/** `chdr cluster ...`: the local two-site cluster on loopback (lib/localcluster). */
export const registerClusterCommand = (program: Command): void => {
  const cluster = program
    .command('cluster')
    .description('run the local two-site cluster (ZooKeeper + ClickHouse on loopback)');

  withDir(cluster.command('up'))
    .description('start the cluster (or repair it), wait until healthy, create the heartbeat table')
    .option(
      '--port-base <n>',
      'shift every port (18000 gives the ports of examples/local.yaml)',
      parsePortBase,
    )
    .option(
      '--netns',
      'put the standby site in its own network namespace behind a veth pair, for partition/heal (root)',
    )
    .option(
      '--spares <n>',
      'spare ZooKeeper servers at the standby site (0-2, zk5/zk6): written, not started; a failover makes them voters',
      parseSpares,
    )
    .action(async (options: DirOption & { portBase?: number; netns?: boolean; spares?: number }) =>
      (await actions()).clusterUp(options),
    );

  withDir(cluster.command('down'))
    .description('stop every server the cluster started and delete its data')
    .action(async (options: DirOption) => (await actions()).clusterDown(options));

  withDir(cluster.command('status'))
    .description('show every node: pid, running, ready, ZooKeeper mode (exit 1 when not healthy)')
    .action(async (options: DirOption) => (await actions()).clusterStatus(options));

  withDir(cluster.command('stop'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('stop one node')
    .option('--hard', 'SIGKILL at once, like a crash')
    .action(async (node: string, options: DirOption & { hard?: boolean }) =>
      (await actions()).clusterStopNode(node, options),
    );

  withDir(cluster.command('start'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('start one node from its current config file and wait until it accepts connections')
    .action(async (node: string, options: DirOption) => (await actions()).clusterStartNode(node, options));

  withDir(cluster.command('stop-site'))
    .argument('<site>', 'primary or standby')
    .description('stop every node of a site')
    .option('--hard', 'SIGKILL at once, like a crash')
    .action(async (site: string, options: DirOption & { hard?: boolean }) =>
      (await actions()).clusterStopSite(site, options),
    );

  withDir(cluster.command('start-site'))
    .argument('<site>', 'primary or standby')
    .description('start every stopped node of a site, ZooKeeper first')
    .action(async (site: string, options: DirOption) => (await actions()).clusterStartSite(site, options));

  withDir(cluster.command('fence'))
    .argument('<nodes...>', 'zk1..zk4 or ch1..ch3')
    .description(
      'fence nodes (what failover does to a lost site): SIGKILL, and refuse every start until unfenced',
    )
    .requiredOption('--run-id <id>', 'the failover run that fences them (kept in the marker)')
    .option('--note <text>', 'why', 'fenced by a forced failover')
    .action(async (nodes: string[], options: DirOption & { runId: string; note: string }) =>
      (await actions()).clusterFence(nodes, options),
    );

  withDir(cluster.command('unfence'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('lift the fence of a node (chdr recover does this before the node rejoins)')
    .action(async (node: string, options: DirOption) => (await actions()).clusterUnfence(node, options));

  withDir(cluster.command('stop-fetches'))
    .argument('<replica>', 'ch1..ch3')
    .description('SYSTEM STOP FETCHES on a replica (its replication lag grows)')
    .action(async (replica: string, options: DirOption) =>
      (await actions()).clusterStopFetches(replica, options),
    );

  withDir(cluster.command('start-fetches'))
    .argument('<replica>', 'ch1..ch3')
    .description('SYSTEM START FETCHES on a replica')
    .action(async (replica: string, options: DirOption) =>
      (await actions()).clusterStartFetches(replica, options),
    );

  registerPartitionCommands(cluster);
};

/** `partition`, `heal` and `exec-standby`: for a cluster started with `up --netns`. */
const registerPartitionCommands = (cluster: Command): void => {
  withDir(cluster.command('partition'))
    .description(
      'cut the link between the sites (standby end of the veth pair down): each side is unreachable',
    )
    .action(async (options: DirOption) => (await actions()).clusterPartition(options));

  withDir(cluster.command('heal'))
    .description('restore the link cut by partition')
    .action(async (options: DirOption) => (await actions()).clusterHeal(options));

  withDir(cluster.command('exec-standby'))
    .argument('<command...>', 'the command and its arguments (put -- before it)')
    .description("run a command in the standby site's network namespace, as an operator in that region")
    .action(async (command: string[], options: DirOption) =>
      (await actions()).clusterExecStandby(command, options),
    );
};
