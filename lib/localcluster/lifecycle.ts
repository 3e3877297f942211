import { readdir, rm, rmdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeatTableDdl } from '../heartbeat/ddl.js';
import { DEFAULT_START_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, STATE_FILE, TOPOLOGY_FILE } from './constants.js';
import { resolveBinaries } from './deps.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { writeFileIfMissing, writeNodeFiles } from './files.js';
import { clusterStatus, waitForNodes } from './health.js';
import { checkPortBase, clickHouseNodes, planCluster, startedByUp } from './layout.js';
import { ensureNetwork, removeNetwork } from './netns.js';
import { clickHouseQuery } from './probes.js';
import { findProcessesByConfig, isOurProcess } from './process.js';
import { renderTopology } from './render-topology.js';
import { ensurePortsFree, stopNodes, stopStrays } from './runtime.js';
import { startNodes } from './start.js';
import { readState, readStateIfAny, withPids, withStateLock, writeState } from './state.js';
import type {
  ClusterState,
  ClusterStatus,
  DownOptions,
  DownResult,
  ProgressListener,
  UpOptions,
  UpResult,
} from './types.js';

const silent: ProgressListener = () => undefined;

/**
 * Creates the heartbeat table on every replica, one after another (concurrent first creations of one
 * replicated table race in ZooKeeper). Retries while ClickHouse opens its ZooKeeper session.
 */
const createHeartbeatTables = async (
  state: ClusterState,
  timeoutMs: number,
  onProgress: ProgressListener,
): Promise<void> => {
  const { topology } = renderTopology(state);
  const ddl = heartbeatTableDdl(topology.heartbeat);
  const deadline = Date.now() + timeoutMs;
  for (const node of clickHouseNodes(state)) {
    for (;;) {
      const reply = await clickHouseQuery(node.host, node.httpPort, ddl, 10_000);
      if (reply.ok) break;
      if (Date.now() >= deadline) {
        throw new LocalClusterError(
          LOCAL_CLUSTER_ERROR_CODES.queryFailed,
          `${node.name}: cannot create ${topology.heartbeat.database}.${topology.heartbeat.table}: ${reply.reason}`,
        );
      }
      await sleep(250);
    }
  }
  onProgress(
    `${topology.heartbeat.database}.${topology.heartbeat.table} ready on ${clickHouseNodes(state)
      .map((n) => n.name)
      .join(', ')}`,
  );
};

/**
 * Starts the local two-site cluster in `dir`, or repairs it: nodes whose process runs are left alone,
 * the others are started from their current config files (written only when missing). Waits until every
 * ZooKeeper node serves with a leader elected and every ClickHouse answers, then creates the heartbeat
 * table everywhere. On a running, healthy cluster it changes nothing.
 */
export const up = async (options: UpOptions): Promise<UpResult> => {
  const startedAt = Date.now();
  const root = resolve(options.dir);
  const onProgress = options.onProgress ?? silent;
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (options.portBase !== undefined) checkPortBase(options.portBase);
  return withStateLock(root, async () => {
    let state = await readStateIfAny(root);
    if (state && options.portBase !== undefined && state.portBase !== options.portBase) {
      throw new LocalClusterError(
        LOCAL_CLUSTER_ERROR_CODES.conflict,
        `a cluster with port base ${state.portBase} lives in ${root}; run chdr cluster down --dir ${root} first`,
      );
    }
    if (state && options.netns !== undefined && Boolean(state.network) !== options.netns) {
      throw new LocalClusterError(
        LOCAL_CLUSTER_ERROR_CODES.conflict,
        `the cluster in ${root} was started ${state.network ? 'with' : 'without'} --netns; run chdr cluster down --dir ${root} first`,
      );
    }
    state ??= planCluster(root, options.portBase, new Date(), {
      netns: options.netns,
      ...(options.spares ? { spares: options.spares } : {}),
    });
    if (state.network) await prepareNetwork(state);
    const current = state;
    const running = await Promise.all(current.nodes.map((node) => isOurProcess(node.pid, node.configPath)));
    const toStart = startedByUp(current.nodes.filter((_, i) => !running[i]));
    // Spares get their files (kept once written) and stay stopped: a failover starts them.
    for (const node of current.nodes.filter((node, i) => !running[i] && !toStart.includes(node)))
      await writeNodeFiles(current, node);
    if (toStart.length > 0) {
      const binaries = resolveBinaries();
      await stopStrays(toStart, { timeoutMs: DEFAULT_STOP_TIMEOUT_MS, onProgress });
      await ensurePortsFree(toStart, current.network);
      for (const node of toStart) await writeNodeFiles(current, node);
      await writeFileIfMissing(current.topologyPath, renderTopology(current).text);
      state = withPids(current, new Map(toStart.map((node) => [node.name, { pid: null, startedAt: null }])));
      await writeState(state);
      state = await startNodes(state, toStart, { binaries, timeoutMs, onProgress, ensembleServing: true });
    }
    // Also when nothing had to start: the running nodes must answer before `up` reports success.
    await waitForNodes(
      startedByUp(state.nodes).filter((node) => node.kind === 'zookeeper'),
      { timeoutMs, serving: true },
    );
    await waitForNodes(clickHouseNodes(state), { timeoutMs });
    await createHeartbeatTables(state, timeoutMs, onProgress);
    const elapsedMs = Date.now() - startedAt;
    onProgress(
      toStart.length === 0 ? 'cluster already up' : `cluster up in ${(elapsedMs / 1000).toFixed(1)} s`,
    );
    return { state, started: toStart.map((node) => node.name), elapsedMs };
  });
};

/**
 * Records the state first (so `down` finds the namespace after a crash), then creates what is missing
 * of the namespaces and the link. A cut link stays cut: `up` cannot make that cluster healthy.
 */
const prepareNetwork = async (state: ClusterState): Promise<void> => {
  await writeState(state);
  if (!(await ensureNetwork(state.network!))) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.partitioned,
      `the standby site of ${state.dir} is cut off (chdr cluster partition); run chdr cluster heal --dir ${state.dir} first`,
    );
  }
};

/** Removes `path` only when it lies inside `root` (a hand-edited state.json cannot point rm elsewhere). */
const removeInside = async (root: string, path: string): Promise<void> => {
  const rel = relative(root, resolve(path));
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return;
  await rm(path, { recursive: true, force: true });
};

/**
 * Stops every process the cluster in `dir` started (by the pids in state.json, then any left over
 * with one of its config files), checks that none remains, removes the standby's network namespace
 * and veth pair (`--netns`), and deletes the cluster's files and data.
 */
export const down = async (options: DownOptions): Promise<DownResult> => {
  const startedAt = Date.now();
  const root = resolve(options.dir);
  const onProgress = options.onProgress ?? silent;
  const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  return withStateLock(root, async () => {
    // Without state.json the layout still tells which config files our processes would name.
    const state = (await readStateIfAny(root)) ?? planCluster(root);
    const stopped = await stopNodes(state.nodes, { timeoutMs, onProgress });
    await stopStrays(state.nodes, { timeoutMs, onProgress });
    const left = await findProcessesByConfig(state.nodes.map((node) => node.configPath));
    if (left.size > 0) {
      throw new LocalClusterError(
        LOCAL_CLUSTER_ERROR_CODES.stopFailed,
        `still running after down: ${[...left].map(([pid, path]) => `${pid} (${path})`).join(', ')}`,
      );
    }
    if (state.network) await removeNetwork(state.network);
    for (const node of state.nodes) await removeInside(root, node.dir);
    await removeInside(root, join(root, TOPOLOGY_FILE));
    await removeInside(root, join(root, STATE_FILE));
    const rest = await readdir(root).catch(() => null);
    if (rest !== null && rest.length === 0) await rmdir(root).catch(() => undefined);
    const elapsedMs = Date.now() - startedAt;
    onProgress(`cluster down in ${(elapsedMs / 1000).toFixed(1)} s`);
    return { stopped, elapsedMs };
  });
};

/** What runs and answers in the cluster in `dir`. */
export const status = async (dir: string): Promise<ClusterStatus> => clusterStatus(await readState(dir));
