import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeError } from '../errors/index.js';
import { STATE_FILE } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { clusterStateSchema } from './schema.js';
import type { ClusterState, NodeState } from './types.js';

export const statePath = (dir: string): string => join(resolve(dir), STATE_FILE);

/** The state `up` wrote in `dir`, or null when there is none. Throws when the file is unreadable. */
export const readStateIfAny = async (dir: string): Promise<ClusterState | null> => {
  const path = statePath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LocalClusterError(LOCAL_CLUSTER_ERROR_CODES.noState, `${path} cannot be read`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.noState,
      `${path} is not JSON: ${describeError(cause)}`,
      { cause },
    );
  }
  const result = clusterStateSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.noState,
      `${path} is not a chdr cluster state: ${problems.join('; ')}`,
    );
  }
  return result.data;
};

/** The state of the cluster in `dir`: ports, pids, config files, data dirs and logs of every node. */
export const readState = async (dir: string): Promise<ClusterState> => {
  const state = await readStateIfAny(dir);
  if (!state) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.noState,
      `no local cluster in ${resolve(dir)} (no ${STATE_FILE}); run chdr cluster up`,
    );
  }
  return state;
};

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export const writeState = async (state: ClusterState): Promise<void> => {
  await mkdir(state.dir, { recursive: true });
  const path = statePath(state.dir);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, path);
};

const locks = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task on the same directory in this process (read-modify-write of state.json). */
export const withStateLock = async <T>(dir: string, task: () => Promise<T>): Promise<T> => {
  const key = resolve(dir);
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(key, settled);
  try {
    return await run;
  } finally {
    if (locks.get(key) === settled) locks.delete(key);
  }
};

export const findNode = (state: ClusterState, name: string): NodeState => {
  const node = state.nodes.find((candidate) => candidate.name === name);
  if (!node) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.unknownNode,
      `no node "${name}" in the local cluster (nodes: ${state.nodes.map((n) => n.name).join(', ')})`,
    );
  }
  return node;
};

/** A copy of `state` with the given nodes' pid and start time replaced. */
export const withPids = (
  state: ClusterState,
  changes: ReadonlyMap<string, { pid: number | null; startedAt: string | null }>,
): ClusterState => ({
  ...state,
  nodes: state.nodes.map((node) => {
    const change = changes.get(node.name);
    return change ? { ...node, ...change } : node;
  }),
});
