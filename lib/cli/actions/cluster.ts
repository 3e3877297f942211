import { spawnSync } from 'node:child_process';
import {
  down,
  fenceLocalNodes,
  heal,
  partition,
  standbyCommand,
  startFetches,
  startNode,
  startSite,
  status,
  stopFetches,
  stopNode,
  stopSite,
  unfenceLocalNode,
  up,
  LOCAL_CLUSTER_ERROR_CODES,
  type ClusterStatus,
} from '../../localcluster/index.js';
import { isChdrError } from '../../errors/index.js';

export interface DirOption {
  dir: string;
}

const progress = (message: string): void => {
  process.stderr.write(`  ${message}\n`);
};

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

/** Refusals of `up` before it starts any server: no hint about servers left running. */
const NOTHING_STARTED = [
  LOCAL_CLUSTER_ERROR_CODES.badPortBase,
  LOCAL_CLUSTER_ERROR_CODES.badSpares,
  LOCAL_CLUSTER_ERROR_CODES.missingDependency,
  LOCAL_CLUSTER_ERROR_CODES.conflict,
];

export const clusterUp = async (
  options: DirOption & { portBase?: number; netns?: boolean; spares?: number },
): Promise<void> => {
  const result = await up({
    dir: options.dir,
    portBase: options.portBase,
    netns: options.netns,
    ...(options.spares !== undefined ? { spares: options.spares } : {}),
    onProgress: progress,
  }).catch((error: unknown) => {
    if (!NOTHING_STARTED.some((code) => isChdrError(error, code)))
      progress(
        `servers that did start keep running: see \`chdr cluster status\`, stop them with \`chdr cluster down\``,
      );
    throw error;
  });
  process.stdout.write(`topology: ${result.state.topologyPath}\n`);
};

export const clusterDown = async (options: DirOption): Promise<void> => {
  await down({ dir: options.dir, onProgress: progress });
};

export const clusterStatus = async (options: DirOption): Promise<void> => {
  const report = await status(options.dir);
  process.stdout.write(`${formatStatus(report)}\n`);
  if (!report.healthy) process.exitCode = 1;
};

export const clusterStopNode = async (node: string, options: DirOption & { hard?: boolean }) => {
  const stopped = await stopNode(options.dir, node, { hard: options.hard });
  process.stdout.write(`${node} ${stopped ? 'stopped' : 'was not running'}\n`);
};

export const clusterStartNode = async (node: string, options: DirOption) => {
  const started = await startNode(options.dir, node);
  process.stdout.write(`${node} ${started ? 'started' : 'was already running'}\n`);
};

export const clusterStopSite = async (site: string, options: DirOption & { hard?: boolean }) => {
  const stopped = await stopSite(options.dir, site, { hard: options.hard });
  process.stdout.write(
    `${site}: ${stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.join(', ')}`}\n`,
  );
};

export const clusterStartSite = async (site: string, options: DirOption) => {
  const started = await startSite(options.dir, site);
  process.stdout.write(
    `${site}: ${started.length === 0 ? 'everything was running' : `started ${started.join(', ')}`}\n`,
  );
};

export const clusterStopFetches = async (replica: string, options: DirOption) => {
  await stopFetches(options.dir, replica);
  process.stdout.write(`${replica}: fetches stopped\n`);
};

export const clusterStartFetches = async (replica: string, options: DirOption) => {
  await startFetches(options.dir, replica);
  process.stdout.write(`${replica}: fetches started\n`);
};

export const clusterPartition = async (options: DirOption): Promise<void> => {
  const change = await partition(options.dir);
  process.stdout.write(`link to ${change.namespace} ${change.changed ? 'cut' : 'was already cut'}\n`);
};

export const clusterHeal = async (options: DirOption): Promise<void> => {
  const change = await heal(options.dir);
  process.stdout.write(`link to ${change.namespace} ${change.changed ? 'restored' : 'was up'}\n`);
};

export const clusterExecStandby = async (command: string[], options: DirOption): Promise<void> => {
  const [program, ...args] = await standbyCommand(options.dir, command);
  const child = spawnSync(program!, args, { stdio: 'inherit' });
  if (child.error) throw child.error;
  process.exitCode = child.status ?? 1;
};

export const clusterFence = async (
  nodes: string[],
  options: DirOption & { runId: string; note: string },
): Promise<void> => {
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
};

export const clusterUnfence = async (node: string, options: DirOption): Promise<void> => {
  const lifted = await unfenceLocalNode(options.dir, node);
  process.stdout.write(`${node}: ${lifted ? 'fence lifted' : 'was not fenced'}\n`);
};
