// Pages per incident, on the real local cluster: both sites' agents run every `intervalMs` (as
// `chdr agent --interval 2` does), two of the three primary ZooKeeper participants stop for `outageMs`
// and start again; every message the agents send is counted. The benchmark (scripts/bench.ts) and the
// integration test call `pagesPerIncident`; `tsx scripts/bench-paging.ts <cluster dir>` prints it.
import { MemoryNotifier, alertSettings, Pager, type Notification } from '../lib/alerts/index.js';
import { runAgentCyclesForAllSites, verdictFreshMs, type AgentCycleResult } from '../lib/agent/index.js';
import { closeCachedConnections } from '../lib/clickhouse/index.js';
import { loadTopology } from '../lib/config/index.js';
import { replicaConnector } from '../lib/cycle/index.js';
import { readState, startNode, stopNode } from '../lib/localcluster/index.js';
import { systemClock } from '../lib/probe/index.js';
import { MemoryStateStore } from '../lib/state/index.js';

export interface PagingBenchOptions {
  /** The local cluster's directory (its state file names the topology). */
  clusterDir: string;
  outageMs?: number;
  intervalMs?: number;
  /** What to stop: by default two of the three primary participants (quorum lost). */
  nodes?: readonly string[];
  /** Instead of stopping nodes, any fault to inject and undo (a slow probe, a leader election...). */
  fault?: { inject(): Promise<void>; undo(): Promise<void> };
}

export interface PagingBenchResult {
  critical: number;
  resolved: number;
  total: number;
  subjects: string[];
  /** The incident key of each message. */
  incidents: string[];
  cycles: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const healthy = (results: readonly AgentCycleResult[]): boolean =>
  results.every(
    (result) =>
      result.report.status !== 'critical' &&
      result.paging.open.length === 0 &&
      result.paging.pending.length === 0 &&
      result.paging.deferred.length === 0,
  );

/** Runs both agents through one incident and counts the messages they send. */
export async function pagesPerIncident(options: PagingBenchOptions): Promise<PagingBenchResult> {
  const intervalMs = options.intervalMs ?? 2_000;
  const outageMs = options.outageMs ?? 20_000;
  const state = await readState(options.clusterDir);
  const topology = await loadTopology(state.topologyPath);
  const store = new MemoryStateStore();
  const notifier = new MemoryNotifier();
  const pager = new Pager({
    store,
    notifier,
    ...alertSettings(topology.alerts),
  });
  const connect = await replicaConnector(topology, { env: process.env });
  let cycles = 0;
  const cycle = async () => {
    cycles += 1;
    const started = Date.now();
    const results = await runAgentCyclesForAllSites({
      topology,
      clock: systemClock,
      connect,
      store,
      pager,
      publisher: { publish: async (data) => ({ calls: 0, datums: data.length }) },
      verdictFreshMs: verdictFreshMs(intervalMs, topology.timeouts.cycleMs),
    });
    await sleep(Math.max(0, intervalMs - (Date.now() - started)));
    return results;
  };
  const fault = options.fault ?? {
    inject: async () => {
      for (const node of options.nodes ?? ['zk1', 'zk2']) await stopNode(options.clusterDir, node);
    },
    undo: async () => {
      for (const node of options.nodes ?? ['zk1', 'zk2']) await startNode(options.clusterDir, node);
    },
  };
  try {
    // Warm up until both sites are healthy, then count only what the incident causes.
    for (let i = 0; i < 30 && !healthy(await cycle()); i++);
    notifier.sent.length = 0;
    await fault.inject();
    try {
      const until = Date.now() + outageMs;
      while (Date.now() < until) await cycle();
    } finally {
      await fault.undo();
    }
    // Until everything cleared, and two more cycles to catch a late page.
    let calm = 0;
    for (let i = 0; i < 60 && calm < 3; i++) calm = healthy(await cycle()) ? calm + 1 : 0;
  } finally {
    await closeCachedConnections();
  }
  const events = notifier.sent.map((message: Notification) => message.attributes.event);
  return {
    critical: events.filter((event) => event === 'critical').length,
    resolved: events.filter((event) => event === 'resolved').length,
    total: notifier.sent.length,
    subjects: notifier.sent.map((message) => message.subject),
    incidents: notifier.sent.map((message) => String(message.attributes['incident'])),
    cycles,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? '.chdr/cluster';
  pagesPerIncident({ clusterDir: dir }).then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
