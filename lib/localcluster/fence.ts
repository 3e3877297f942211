import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_STOP_TIMEOUT_MS, FENCE_MARKER_FILE } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { isOurProcess } from './process.js';
import { stopNodes } from './runtime.js';
import { findNode, readState, withPids, withStateLock, writeState } from './state.js';
import type { NodeState } from './types.js';

/** What a fenced node's marker says: which run fenced it, when, and why. */
export interface LocalFence {
  node: string;
  runId: string;
  at: string;
  note: string;
}

export interface LocalFenceResult {
  node: string;
  /** Whether a process of the node was running (and was SIGKILLed). */
  killed: boolean;
  /** The node's process is gone (checked after the kill). */
  confirmed: boolean;
}

const markerPath = (node: NodeState): string => join(node.dir, FENCE_MARKER_FILE);

/** The fence marker of a node, or null when it is not fenced. */
export const localFenceOf = async (node: NodeState): Promise<LocalFence | null> => {
  try {
    return JSON.parse(await readFile(markerPath(node), 'utf8')) as LocalFence;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A marker that cannot be parsed still fences: the guard fails closed.
    return { node: node.name, runId: 'unknown', at: 'unknown', note: 'unreadable fence marker' };
  }
};

/** Throws naming every fenced node among `nodes` (the local boot guard of `up`, `start`, `start-site`). */
export const refuseFencedNodes = async (nodes: readonly NodeState[]): Promise<void> => {
  const fenced = (await Promise.all(nodes.map(localFenceOf))).filter((f): f is LocalFence => f !== null);
  if (fenced.length === 0) return;
  throw new LocalClusterError(
    LOCAL_CLUSTER_ERROR_CODES.fenced,
    `refusing to start fenced nodes: ${fenced.map((f) => `${f.node} (run ${f.runId} at ${f.at}: ${f.note})`).join(', ')}; ` +
      'the site lost the primary role in a forced failover and must not take writes: bring it back with `chdr recover`',
  );
};

/**
 * STONITH for the local cluster: SIGKILLs the nodes' recorded processes (a frozen, SIGSTOPped process
 * dies too), then leaves the fence marker in each node's dir so that nothing starts them again.
 * The marker is written before the kill: a node must never be startable in between.
 */
export const fenceLocalNodes = async (
  dir: string,
  names: readonly string[],
  fence: Omit<LocalFence, 'node'>,
): Promise<LocalFenceResult[]> =>
  withStateLock(dir, async () => {
    const state = await readState(dir);
    const nodes = names.map((name) => findNode(state, name));
    for (const node of nodes)
      await writeFile(markerPath(node), `${JSON.stringify({ node: node.name, ...fence })}\n`);
    const killed = await stopNodes(nodes, { hard: true, timeoutMs: DEFAULT_STOP_TIMEOUT_MS });
    await writeState(withPids(state, new Map(nodes.map((n) => [n.name, { pid: null, startedAt: null }]))));
    return Promise.all(
      nodes.map(async (node) => ({
        node: node.name,
        killed: killed.includes(node.name),
        confirmed: !(await isOurProcess(node.pid, node.configPath)),
      })),
    );
  });

/** Removes a node's fence marker (`chdr recover`). Returns false when it was not fenced. */
export const unfenceLocalNode = async (dir: string, name: string): Promise<boolean> => {
  const node = findNode(await readState(dir), name);
  if ((await localFenceOf(node)) === null) return false;
  await rm(markerPath(node), { force: true });
  return true;
};
