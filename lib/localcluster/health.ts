import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PROBE_TIMEOUT_MS, LOG_TAIL_LINES, POLL_INTERVAL_MS } from './constants.js';
import { LocalClusterError, LOCAL_CLUSTER_ERROR_CODES } from './errors.js';
import { sendFourLetterWord } from '../keeper/index.js';
import { clickHouseQuery, zooKeeperMode } from './probes.js';
import { isOurProcess } from './process.js';
import type { ClusterState, ClusterStatus, NodeState, NodeStatus, ProgressListener } from './types.js';

/** The end of a log file, at most 64 KiB ('' when there is none). */
const logEnd = async (path: string): Promise<string> => {
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return '';
  }
};

/** The last lines of a log file ('' when there is none). */
export const logTail = async (path: string, lines = LOG_TAIL_LINES): Promise<string> =>
  (await logEnd(path))
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();

/** A ClickHouse log entry starts with its timestamp; the lines after it (a stack trace) belong to it. */
const ENTRY_HEAD = /^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}/;
const ENTRY_HEAD_CHARS = 600;

/**
 * The first line of each of the last entries of a ClickHouse log: the exception messages, without the
 * stack traces that would fill a tail (a failed start's tail is its last frames, not its reason).
 */
export const entryHeads = (text: string, entries: number): string =>
  text
    .split('\n')
    .filter((line) => ENTRY_HEAD.test(line))
    .slice(-entries)
    .map((line) => (line.length > ENTRY_HEAD_CHARS ? `${line.slice(0, ENTRY_HEAD_CHARS)}…` : line))
    .join('\n');

const CLICKHOUSE_ERROR_ENTRIES = 8;

/** What a log shows of a node's failure: ClickHouse's error log by its entries' messages, others by lines. */
const failureLines = async (node: NodeState, path: string): Promise<{ label: string; text: string }> => {
  if (node.kind === 'clickhouse' && path === node.errorLogPath)
    return { label: 'last entries', text: entryHeads(await logEnd(path), CLICKHOUSE_ERROR_ENTRIES) };
  const lines = node.kind === 'clickhouse' && path === node.logPath ? 15 : LOG_TAIL_LINES;
  return { label: 'last lines', text: await logTail(path, lines) };
};

/** The tails of a node's logs, labelled, for an error message. */
export const nodeLogTails = async (node: NodeState): Promise<string> => {
  const paths =
    // The error log first: it says why, and a caller may keep only the start of the message.
    node.kind === 'clickhouse' ? [node.errorLogPath, node.stdoutPath, node.logPath] : [node.logPath];
  const parts = await Promise.all(
    paths.map(async (path) => {
      const { label, text } = await failureLines(node, path);
      return text === '' ? '' : `--- ${node.name}: ${path} (${label}) ---\n${text}`;
    }),
  );
  return (
    parts.filter((part) => part !== '').join('\n') ||
    `--- ${node.name}: no log output (${paths.join(', ')}) ---`
  );
};

/** Whether the node's process runs and answers: `ruok`/`srvr` for ZooKeeper, `SELECT 1` for ClickHouse. */
export const nodeStatus = async (
  node: NodeState,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<NodeStatus> => {
  const base = { name: node.name, kind: node.kind, site: node.site, pid: node.pid };
  const running = await isOurProcess(node.pid, node.configPath);
  if (!running)
    return {
      ...base,
      running,
      ready: false,
      detail: node.pid === null ? 'stopped' : `process ${node.pid} is gone`,
    };
  if (node.kind === 'clickhouse') {
    const reply = await clickHouseQuery(node.host, node.httpPort, 'SELECT 1', timeoutMs);
    return reply.ok && reply.value.trim() === '1'
      ? { ...base, running, ready: true, detail: `http :${node.httpPort} answers` }
      : {
          ...base,
          running,
          ready: false,
          detail: reply.ok ? `unexpected reply ${reply.value.trim()}` : reply.reason,
        };
  }
  const [ruok, mode] = await Promise.all([
    sendFourLetterWord({ host: node.host, port: node.clientPort }, 'ruok', { timeoutMs }),
    zooKeeperMode(node.host, node.clientPort, timeoutMs),
  ]);
  if (!ruok.ok || ruok.value.trim() !== 'imok') {
    return {
      ...base,
      running,
      ready: false,
      detail: ruok.ok ? `ruok: ${ruok.value.trim() || 'no reply'}` : ruok.reason,
    };
  }
  return mode
    ? { ...base, running, ready: true, mode, detail: `${mode} on :${node.clientPort}` }
    : { ...base, running, ready: true, detail: 'not serving (no quorum yet)' };
};

const hasLeader = (statuses: readonly NodeStatus[]): boolean =>
  statuses.some((status) => status.mode === 'leader' || status.mode === 'standalone');

export const clusterStatus = async (state: ClusterState): Promise<ClusterStatus> => {
  const nodes = await Promise.all(state.nodes.map((node) => nodeStatus(node)));
  // A stopped spare is as it should be; a started one (promoted by a failover) must serve like the rest.
  const spares = new Set(
    state.nodes.filter((n) => n.kind === 'zookeeper' && n.role === 'spare').map((n) => n.name),
  );
  const healthy =
    nodes
      .filter((status) => status.running || !spares.has(status.name))
      .every(
        (status) =>
          status.running && status.ready && (status.kind === 'clickhouse' || status.mode !== undefined),
      ) && hasLeader(nodes.filter((status) => status.kind === 'zookeeper'));
  return { dir: state.dir, nodes, healthy };
};

export interface WaitOptions {
  timeoutMs: number;
  onProgress?: ProgressListener;
}

const startFailed = async (nodes: readonly NodeState[], why: string): Promise<LocalClusterError> => {
  const tails = await Promise.all(nodes.map(nodeLogTails));
  return new LocalClusterError(LOCAL_CLUSTER_ERROR_CODES.startFailed, `${why}\n${tails.join('\n')}`);
};

/**
 * Polls until every node is `ready` (and, with `serving`, every ZooKeeper node has a mode and one of them
 * leads). Fails fast, with the log tail, when a process exits; fails with all tails on timeout.
 */
export const waitForNodes = async (
  nodes: readonly NodeState[],
  options: WaitOptions & { serving?: boolean; waitingMessage?: string },
): Promise<NodeStatus[]> => {
  const deadline = Date.now() + options.timeoutMs;
  const announced = new Set<string>();
  let waitingSaid = false;
  for (let round = 0; ; round++) {
    const statuses = await Promise.all(nodes.map((node) => nodeStatus(node)));
    const dead = statuses.filter((status) => !status.running);
    if (dead.length > 0) {
      const deadNodes = nodes.filter((node) => dead.some((status) => status.name === node.name));
      throw await startFailed(
        deadNodes,
        `${dead.map((status) => status.name).join(', ')} exited while starting`,
      );
    }
    for (const status of statuses) {
      const done =
        status.ready && (!options.serving || status.kind === 'clickhouse' || status.mode !== undefined);
      if (done && !announced.has(status.name)) {
        announced.add(status.name);
        options.onProgress?.(`${status.name} ready${status.mode ? ` (${status.mode})` : ''}`);
      }
    }
    const zooKeepers = statuses.filter((status) => status.kind === 'zookeeper');
    const allDone =
      announced.size === nodes.length &&
      (!options.serving || zooKeepers.length === 0 || hasLeader(zooKeepers));
    if (allDone) return statuses;
    if (!waitingSaid && options.waitingMessage && round > 0) {
      options.onProgress?.(options.waitingMessage);
      waitingSaid = true;
    }
    if (Date.now() >= deadline) {
      const late = statuses.filter((status) => !announced.has(status.name) || status.kind === 'zookeeper');
      const lateNodes = nodes.filter((node) => late.some((status) => status.name === node.name));
      throw await startFailed(
        lateNodes,
        `not ready after ${options.timeoutMs} ms: ${late.map((status) => `${status.name}: ${status.detail}`).join('; ')}`,
      );
    }
    await sleep(POLL_INTERVAL_MS * 2);
  }
};
