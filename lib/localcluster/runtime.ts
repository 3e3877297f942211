import { access } from 'node:fs/promises';
import { clickHouseCommand, zooKeeperCommand, type Binaries } from './deps.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { portsOf } from './layout.js';
import { isPortFree } from './probes.js';
import { findProcessesByConfig, spawnDetached, terminate } from './process.js';
import type { NodeState, ProgressListener } from './types.js';

/** Node-level actions shared by `up`, `down` and the fault helpers. None of them touches state.json. */

export const ensurePortsFree = async (nodes: readonly NodeState[]): Promise<void> => {
  const taken = (
    await Promise.all(
      nodes.flatMap((node) =>
        portsOf(node).map(async (port) => ((await isPortFree(node.host, port)) ? null : `${node.name} needs ${node.host}:${port}`)),
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

/** Spawns the node's server from its current config file; returns its pid. */
export const spawnNode = (binaries: Binaries, node: NodeState): Promise<number> =>
  spawnDetached(node.kind === 'zookeeper' ? zooKeeperCommand(binaries, node) : clickHouseCommand(binaries, node));

/** Stops the nodes' processes in parallel; returns the names of those that were running. */
export const stopNodes = async (
  nodes: readonly NodeState[],
  options: { hard?: boolean; timeoutMs: number; onProgress?: ProgressListener },
): Promise<string[]> => {
  const stopped = await Promise.all(
    nodes.map(async (node) => {
      const wasRunning = await terminate(node.pid, node.configPath, options);
      if (wasRunning) options.onProgress?.(`${node.name} stopped`);
      return wasRunning ? node.name : null;
    }),
  );
  return stopped.filter((name): name is string => name !== null);
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
  await Promise.all(
    strays.map(async ([pid, configPath]) => {
      options.onProgress?.(`stopping leftover process ${pid} (${configPath})`);
      await terminate(pid, configPath, options);
    }),
  );
  return strays.map(([pid]) => pid);
};
