import { access, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PROBE_TIMEOUT_MS, POLL_INTERVAL_MS } from './constants.js';
import { clickHouseCommand, zooKeeperCommand, type Binaries } from './deps.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { portsOf } from './layout.js';
import { currentSite, inNamespace } from './netns.js';
import { isPortFree, parseClickHouseZooKeeperNodes, zooKeeperMode } from './probes.js';
import { findProcessesByConfig, spawnDetached, terminate } from './process.js';
import type { ClickHouseNodeState, NetworkState, NodeState, ProgressListener } from './types.js';

/** Node-level actions shared by `up`, `down` and the fault helpers. None of them touches state.json. */

/**
 * Checks the nodes' ports by binding them. With namespaces, only the nodes of the namespace this process
 * runs in can be checked (another namespace's address is not ours to bind); a stray process there was
 * stopped by its config path already.
 */
export const ensurePortsFree = async (nodes: readonly NodeState[], network?: NetworkState): Promise<void> => {
  const here = network ? await currentSite(network) : undefined;
  const checkable = nodes.filter((node) => here === undefined || node.site === here);
  const taken = (
    await Promise.all(
      checkable.flatMap((node) =>
        portsOf(node).map(async (port) =>
          (await isPortFree(node.host, port)) ? null : `${node.name} needs ${node.host}:${port}`,
        ),
      ),
    )
  ).filter((problem): problem is string => problem !== null);
  if (taken.length > 0) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.portInUse,
      `ports in use by another process: ${taken.join(', ')}; stop it or pick another --port-base`,
    );
  }
};

export const ensureConfigExists = async (node: NodeState): Promise<void> => {
  try {
    await access(node.configPath);
  } catch (cause) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.startFailed,
      `${node.name}: config file ${node.configPath} is missing`,
      { cause },
    );
  }
};

/** Spawns the node's server from its current config file, in its site's namespace if any; returns its pid. */
export const spawnNode = (binaries: Binaries, node: NodeState, network?: NetworkState): Promise<number> => {
  const spec =
    node.kind === 'zookeeper' ? zooKeeperCommand(binaries, node) : clickHouseCommand(binaries, node);
  return spawnDetached(network ? inNamespace(spec, network.namespaces[node.site]) : spec);
};

/**
 * Stops the nodes' processes, ClickHouse first (it shuts down faster while its ZooKeeper still answers),
 * each kind in parallel; returns the names of those that were running.
 */
export const stopNodes = async (
  nodes: readonly NodeState[],
  options: { hard?: boolean; timeoutMs: number; onProgress?: ProgressListener },
): Promise<string[]> => {
  const stopped: string[] = [];
  for (const kind of ['clickhouse', 'zookeeper'] as const) {
    const results = await Promise.all(
      nodes
        .filter((node) => node.kind === kind)
        .map(async (node) => {
          const wasRunning = await terminate(node.pid, node.configPath, options);
          if (wasRunning) options.onProgress?.(`${node.name} stopped`);
          return wasRunning ? node.name : null;
        }),
    );
    stopped.push(...results.filter((name): name is string => name !== null));
  }
  return stopped;
};

/**
 * Stops every process started from these nodes' config files. Called for nodes known not to run (by
 * their recorded pid), it catches what an interrupted `up` spawned without recording the pid.
 */
export const stopStrays = async (
  nodes: readonly NodeState[],
  options: { timeoutMs: number; onProgress?: ProgressListener },
): Promise<number[]> => {
  const strays = [...(await findProcessesByConfig(nodes.map((node) => node.configPath)))];
  const isClickHouse = (configPath: string) =>
    nodes.some((node) => node.kind === 'clickhouse' && node.configPath === configPath);
  // ClickHouse first, as in stopNodes.
  for (const wantClickHouse of [true, false]) {
    await Promise.all(
      strays
        .filter(([, configPath]) => isClickHouse(configPath) === wantClickHouse)
        .map(async ([pid, configPath]) => {
          options.onProgress?.(`stopping leftover process ${pid} (${configPath})`);
          await terminate(pid, configPath, options);
        }),
    );
  }
  return strays.map(([pid]) => pid);
};

/**
 * Waits until one of the ZooKeeper servers in the node's config.d/zookeeper.xml serves (`srvr` has a
 * mode). ClickHouse 18.16 exits at start when a replicated table cannot reach ZooKeeper, so starting it
 * earlier would only crash it; this turns that into a clear error.
 */
export const waitForClickHouseCoordination = async (
  node: ClickHouseNodeState,
  options: { timeoutMs: number; onProgress?: ProgressListener },
): Promise<void> => {
  let xml: string;
  try {
    xml = await readFile(node.zookeeperConfigPath, 'utf8');
  } catch {
    return; // No <zookeeper> section: nothing to wait for.
  }
  const servers = parseClickHouseZooKeeperNodes(xml);
  if (servers.length === 0) return;
  const deadline = Date.now() + options.timeoutMs;
  let said = false;
  for (;;) {
    const modes = await Promise.all(
      servers.map((server) => zooKeeperMode(server.host, server.port, DEFAULT_PROBE_TIMEOUT_MS)),
    );
    if (modes.some((mode) => mode !== null)) return;
    if (Date.now() >= deadline) {
      throw new LocalClusterError(
        LOCAL_CLUSTER_ERROR_CODES.startFailed,
        `${node.name} not started: none of its ZooKeeper servers (${servers.map((s) => `${s.host}:${s.port}`).join(', ')}, ` +
          `from ${node.zookeeperConfigPath}) serves, and ClickHouse 18.16 exits at start when its replicated tables cannot reach ZooKeeper`,
      );
    }
    if (!said) {
      options.onProgress?.(`${node.name} waits for its ZooKeeper to serve…`);
      said = true;
    }
    await sleep(POLL_INTERVAL_MS * 2);
  }
};
