import { createServer, type Socket } from 'node:net';
import { DEFAULT_START_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, LOCAL_SITES, LOOPBACK } from './constants.js';
import { resolveBinaries } from './deps.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { clickHouseQuery } from './probes.js';
import { isOurProcess } from './process.js';
import { ensureConfigExists, ensurePortsFree, stopNodes } from './runtime.js';
import { startNodes } from './start.js';
import { findNode, readState, withPids, withStateLock, writeState } from './state.js';
import type { Blackhole, ClusterState, LocalSite, NodeState, StartOptions, StopOptions } from './types.js';

/**
 * Faults for integration tests, the demo and the failover drill: stop and start nodes or whole sites,
 * pause replication fetches, and a peer that never answers. Each waits until the change took effect.
 */

const stopAndRecord = async (dir: string, pick: (state: ClusterState) => NodeState[], options: StopOptions) =>
  withStateLock(dir, async () => {
    const state = await readState(dir);
    const nodes = pick(state);
    const stopped = await stopNodes(nodes, {
      hard: options.hard,
      timeoutMs: options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    });
    await writeState(
      withPids(state, new Map(nodes.map((node) => [node.name, { pid: null, startedAt: null }]))),
    );
    return stopped;
  });

/** Starts the picked nodes that do not run, from their current config files, ZooKeeper before ClickHouse. */
const startAndRecord = async (
  dir: string,
  pick: (state: ClusterState) => NodeState[],
  options: StartOptions,
) =>
  withStateLock(dir, async () => {
    const state = await readState(dir);
    const picked = pick(state);
    const running = await Promise.all(picked.map((node) => isOurProcess(node.pid, node.configPath)));
    const toStart = picked.filter((_, i) => !running[i]);
    if (toStart.length === 0) return [];
    const binaries = resolveBinaries();
    for (const node of toStart) await ensureConfigExists(node);
    await ensurePortsFree(toStart, state.network);
    await startNodes(state, toStart, {
      binaries,
      timeoutMs: options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      onProgress: options.onProgress ?? (() => undefined),
    });
    return toStart.map((node) => node.name);
  });

const checkSite = (site: string): LocalSite => {
  if (!(LOCAL_SITES as readonly string[]).includes(site)) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.unknownSite,
      `no site "${site}" in the local cluster (sites: ${LOCAL_SITES.join(', ')})`,
    );
  }
  return site as LocalSite;
};

/** Stops one node (zk1..zk4, ch1..ch3). Returns false when it was not running. */
export const stopNode = async (dir: string, name: string, options: StopOptions = {}): Promise<boolean> =>
  (await stopAndRecord(dir, (state) => [findNode(state, name)], options)).length > 0;

/**
 * Starts one node from its current config file (failover may have rewritten it) and waits until it
 * accepts connections (ZooKeeper: `ruok`; ClickHouse: `SELECT 1`). Returns false when it was running.
 */
export const startNode = async (dir: string, name: string, options: StartOptions = {}): Promise<boolean> =>
  (await startAndRecord(dir, (state) => [findNode(state, name)], options)).length > 0;

/** Stops every node of a site ('primary' or 'standby'); returns the names of those that were running. */
export const stopSite = async (dir: string, site: string, options: StopOptions = {}): Promise<string[]> => {
  const checked = checkSite(site);
  return stopAndRecord(dir, (state) => state.nodes.filter((node) => node.site === checked), options);
};

/** Starts every stopped node of a site, ZooKeeper first; returns the names of those it started. */
export const startSite = async (dir: string, site: string, options: StartOptions = {}): Promise<string[]> => {
  const checked = checkSite(site);
  return startAndRecord(dir, (state) => state.nodes.filter((node) => node.site === checked), options);
};

/** Per node: the files failover reads and rewrites (config file, data dir, log), with ports and pid. */
export const getNode = async (dir: string, name: string): Promise<NodeState> =>
  findNode(await readState(dir), name);

const systemFetches = async (dir: string, replica: string, verb: 'STOP' | 'START'): Promise<void> => {
  const node = findNode(await readState(dir), replica);
  if (node.kind !== 'clickhouse') {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.unknownNode,
      `${replica} is not a ClickHouse replica`,
    );
  }
  const reply = await clickHouseQuery(node.host, node.httpPort, `SYSTEM ${verb} FETCHES`, 10_000);
  if (!reply.ok) {
    throw new LocalClusterError(
      LOCAL_CLUSTER_ERROR_CODES.queryFailed,
      `${replica}: SYSTEM ${verb} FETCHES failed: ${reply.reason}`,
    );
  }
};

/** `SYSTEM STOP FETCHES` on a replica: it stops downloading parts, so its replication lag grows. */
export const stopFetches = (dir: string, replica: string): Promise<void> =>
  systemFetches(dir, replica, 'STOP');
export const startFetches = (dir: string, replica: string): Promise<void> =>
  systemFetches(dir, replica, 'START');

/** A TCP server on loopback that accepts every connection and never sends a byte nor closes. */
export const startBlackhole = async (): Promise<Blackhole> => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0 }, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('blackhole: no TCP address');
  return {
    host: LOOPBACK,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
