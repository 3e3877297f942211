import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_CLUSTER_DIR,
  down,
  fenceLocalNodes,
  startFetches,
  startNode,
  startSite,
  status,
  stopFetches,
  stopNode,
  stopSite,
  unfenceLocalNode,
  up,
  type ClusterStatus,
} from '../../localcluster/index.js';

interface DirOption {
  dir: string;
}

const parsePortBase = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('give an integer port base, e.g. 18000');
  return parsed;
};

const progress = (message: string): void => {
  process.stderr.write(`  ${message}\n`);
};

const withDir = (command: Command): Command =>
  command.option('--dir <dir>', 'directory holding the cluster state, configs and data', DEFAULT_CLUSTER_DIR);

const formatStatus = (report: ClusterStatus): string => {
  const rows = report.nodes.map((node) => [
    node.name,
    node.site,
    node.kind,
    node.pid === null ? '-' : String(node.pid),
    node.running ? (node.ready ? 'ready' : 'starting') : 'stopped',
    node.detail,
  ]);
  const header = ['NODE', 'SITE', 'KIND', 'PID', 'STATE', 'DETAIL'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    `cluster in ${report.dir}: ${report.healthy ? 'healthy' : 'NOT healthy'}`,
    line(header),
    ...rows.map(line),
  ].join('\n');
};

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
    .action(async (options: DirOption & { portBase?: number }) => {
      const result = await up({ dir: options.dir, portBase: options.portBase, onProgress: progress }).catch(
        (error: unknown) => {
          progress(
            `servers that did start keep running: see \`chdr cluster status\`, stop them with \`chdr cluster down\``,
          );
          throw error;
        },
      );
      process.stdout.write(`topology: ${result.state.topologyPath}\n`);
    });

  withDir(cluster.command('down'))
    .description('stop every server the cluster started and delete its data')
    .action(async (options: DirOption) => {
      await down({ dir: options.dir, onProgress: progress });
    });

  withDir(cluster.command('status'))
    .description('show every node: pid, running, ready, ZooKeeper mode (exit 1 when not healthy)')
    .action(async (options: DirOption) => {
      const report = await status(options.dir);
      process.stdout.write(`${formatStatus(report)}\n`);
      if (!report.healthy) process.exitCode = 1;
    });

  withDir(cluster.command('stop'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('stop one node')
    .option('--hard', 'SIGKILL at once, like a crash')
    .action(async (node: string, options: DirOption & { hard?: boolean }) => {
      const stopped = await stopNode(options.dir, node, { hard: options.hard });
      process.stdout.write(`${node} ${stopped ? 'stopped' : 'was not running'}\n`);
    });

  withDir(cluster.command('start'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('start one node from its current config file and wait until it accepts connections')
    .action(async (node: string, options: DirOption) => {
      const started = await startNode(options.dir, node);
      process.stdout.write(`${node} ${started ? 'started' : 'was already running'}\n`);
    });

  withDir(cluster.command('stop-site'))
    .argument('<site>', 'primary or standby')
    .description('stop every node of a site')
    .option('--hard', 'SIGKILL at once, like a crash')
    .action(async (site: string, options: DirOption & { hard?: boolean }) => {
      const stopped = await stopSite(options.dir, site, { hard: options.hard });
      process.stdout.write(
        `${site}: ${stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.join(', ')}`}\n`,
      );
    });

  withDir(cluster.command('start-site'))
    .argument('<site>', 'primary or standby')
    .description('start every stopped node of a site, ZooKeeper first')
    .action(async (site: string, options: DirOption) => {
      const started = await startSite(options.dir, site);
      process.stdout.write(
        `${site}: ${started.length === 0 ? 'everything was running' : `started ${started.join(', ')}`}\n`,
      );
    });

  withDir(cluster.command('fence'))
    .argument('<nodes...>', 'zk1..zk4 or ch1..ch3')
    .description(
      'fence nodes (what failover does to a lost site): SIGKILL, and refuse every start until unfenced',
    )
    .requiredOption('--run-id <id>', 'the failover run that fences them (kept in the marker)')
    .option('--note <text>', 'why', 'fenced by a forced failover')
    .action(async (nodes: string[], options: DirOption & { runId: string; note: string }) => {
      const results = await fenceLocalNodes(options.dir, nodes, {
        runId: options.runId,
        at: new Date().toISOString(),
        note: options.note,
      });
      for (const r of results)
        process.stdout.write(
          `${r.node}: fenced${r.killed ? ' (process killed)' : ''}${r.confirmed ? '' : ' BUT STILL RUNNING'}\n`,
        );
      if (results.some((r) => !r.confirmed)) process.exitCode = 1;
    });

  withDir(cluster.command('unfence'))
    .argument('<node>', 'zk1..zk4 or ch1..ch3')
    .description('lift the fence of a node (chdr recover does this before the node rejoins)')
    .action(async (node: string, options: DirOption) => {
      const lifted = await unfenceLocalNode(options.dir, node);
      process.stdout.write(`${node}: ${lifted ? 'fence lifted' : 'was not fenced'}\n`);
    });

  withDir(cluster.command('stop-fetches'))
    .argument('<replica>', 'ch1..ch3')
    .description('SYSTEM STOP FETCHES on a replica (its replication lag grows)')
    .action(async (replica: string, options: DirOption) => {
      await stopFetches(options.dir, replica);
      process.stdout.write(`${replica}: fetches stopped\n`);
    });

  withDir(cluster.command('start-fetches'))
    .argument('<replica>', 'ch1..ch3')
    .description('SYSTEM START FETCHES on a replica')
    .action(async (replica: string, options: DirOption) => {
      await startFetches(options.dir, replica);
      process.stdout.write(`${replica}: fetches started\n`);
    });
};
