import type { Binaries } from './deps.js';
import { refuseFencedNodes } from './fence.js';
import { waitForNodes } from './health.js';
import { startedByUp } from './layout.js';
import { spawnNode, waitForClickHouseCoordination } from './runtime.js';
import { withPids, writeState } from './state.js';
import type { ClusterState, NodeState, ProgressListener } from './types.js';

/** Spawns the nodes (one after another: a spawn takes milliseconds) and records their pids at once. */
const spawnAndRecord = async (
  state: ClusterState,
  nodes: readonly NodeState[],
  binaries: Binaries,
  onProgress: ProgressListener,
): Promise<ClusterState> => {
  const changes = new Map<string, { pid: number; startedAt: string }>();
  try {
    for (const node of nodes) {
      const pid = await spawnNode(binaries, node, state.network);
      changes.set(node.name, { pid, startedAt: new Date().toISOString() });
      onProgress(`${node.name} started (pid ${pid})`);
    }
  } finally {
    await writeState(withPids(state, changes));
  }
  return withPids(state, changes);
};

const current = (state: ClusterState, nodes: readonly NodeState[]): NodeState[] =>
  state.nodes.filter((node) => nodes.some((picked) => picked.name === node.name));

export interface StartNodesOptions {
  binaries: Binaries;
  timeoutMs: number;
  onProgress: ProgressListener;
  /**
   * Also wait until every ZooKeeper node of the cluster serves with a leader (`up`). Otherwise the
   * started ZooKeeper nodes need only accept connections: one node alone cannot serve.
   */
  ensembleServing?: boolean;
}

/**
 * Starts nodes from their current config files, ZooKeeper before ClickHouse, records the pids in
 * state.json and waits until they accept connections. A ClickHouse node is spawned only once one of
 * the ZooKeeper servers it is configured with serves. Refuses, starting none, when one is fenced.
 */
export const startNodes = async (
  state: ClusterState,
  nodes: readonly NodeState[],
  options: StartNodesOptions,
): Promise<ClusterState> => {
  const { binaries, timeoutMs, onProgress } = options;
  await refuseFencedNodes(nodes);
  const zooKeepers = nodes.filter((node) => node.kind === 'zookeeper');
  if (zooKeepers.length > 0) state = await spawnAndRecord(state, zooKeepers, binaries, onProgress);
  if (options.ensembleServing) {
    await waitForNodes(
      startedByUp(state.nodes).filter((node) => node.kind === 'zookeeper'),
      { timeoutMs, onProgress, serving: true, waitingMessage: 'waiting for a ZooKeeper leader…' },
    );
  } else if (zooKeepers.length > 0) {
    await waitForNodes(current(state, zooKeepers), { timeoutMs, onProgress });
  }
  const clickHouses = nodes.filter((node) => node.kind === 'clickhouse');
  if (clickHouses.length > 0) {
    await Promise.all(
      clickHouses.map((node) => waitForClickHouseCoordination(node, { timeoutMs, onProgress })),
    );
    state = await spawnAndRecord(state, clickHouses, binaries, onProgress);
    await waitForNodes(current(state, clickHouses), { timeoutMs, onProgress });
  }
  return state;
};
