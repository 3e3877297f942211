import { MemoryNotifier, Pager, alertSettings } from '../alerts/index.js';
import { runAgentCyclesForAllSites } from '../agent/index.js';
import { closeCachedConnections } from '../clickhouse/index.js';
import { loadTopology, type Topology } from '../config/index.js';
import { replicaConnector, type HealthReport } from '../cycle/index.js';
import {
  DEFAULT_CLUSTER_DIR,
  down,
  startFetches,
  startNode,
  stopFetches,
  stopNode,
  up,
} from '../localcluster/index.js';
import type { PublishedDatum } from '../metrics/index.js';
import { systemClock } from '../probe/index.js';
import { renderNotification, renderStatusTree } from '../report/index.js';
import { MemoryStateStore } from '../state/index.js';

export interface DemoOptions {
  dir?: string;
  /** Shift every port (the default gives the ports of examples/local.yaml). */
  portBase?: number;
  /** Leave the cluster running at the end, for exploring with `chdr status`. */
  keep?: boolean;
  intervalMs?: number;
  write?: (text: string) => void;
  /** Redraw the status view in place (a terminal) instead of appending every cycle (a log). */
  live?: boolean;
  /** Ctrl-C: the demo stops at the next step and cleans up. */
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

interface Scene {
  title: string;
  inject?: (dir: string) => Promise<unknown>;
  /** The cycle that shows the fault was seen. */
  detected: (reports: HealthReport[]) => boolean;
  /** A message this scene waits for: the page once the fault is confirmed, the resolution once healed. */
  message?: 'critical' | 'resolved';
  heal?: (dir: string) => Promise<unknown>;
}

const check = (reports: HealthReport[], site: string, kind: string, subject: string) =>
  reports
    .find((report) => report.site === site)
    ?.checks.find((c) => c.kind === kind && c.subject === subject);

const SCENES: Scene[] = [
  {
    title: 'healthy cluster: heartbeats crossing both ways',
    detected: (rs) => rs.every((r) => r.status === 'ok'),
  },
  {
    title: 'fault 1: SYSTEM STOP FETCHES on ch3 (standby stops replicating)',
    inject: (dir) => stopFetches(dir, 'ch3'),
    detected: (rs) => check(rs, 'standby', 'heartbeat-lag', 'primary')?.status === 'critical',
    message: 'critical',
    heal: (dir) => startFetches(dir, 'ch3'),
  },
  {
    title: 'healed: fetches restarted',
    detected: (rs) => rs.every((r) => r.status === 'ok'),
    message: 'resolved',
  },
  {
    title: 'fault 2: ZooKeeper participant zk1 stopped (quorum held)',
    inject: (dir) => stopNode(dir, 'zk1'),
    detected: (rs) => check(rs, 'primary', 'coordination-ensemble', 'quorum')?.status === 'warn',
    heal: (dir) => startNode(dir, 'zk1'),
  },
  { title: 'healed: zk1 back in the ensemble', detected: (rs) => rs.every((r) => r.status === 'ok') },
];

/** Cycles a scene waits for its verdict before it moves on regardless. */
/** Enough for a page to be confirmed (alerts.confirmSeconds, 20 s by default) at 2 s a cycle. */
const MAX_CYCLES_PER_SCENE = 30;

/**
 * The one-command demo: brings the local two-site cluster up (with progress), runs the agent for both
 * sites every few seconds showing the status tree, injects two faults, shows their detection and the page
 * that would be sent, heals them and cleans up (also on Ctrl-C) unless `keep`.
 */
export const runDemo = async (options: DemoOptions): Promise<{ detectedAll: boolean; pages: number }> => {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const dir = options.dir ?? DEFAULT_CLUSTER_DIR;
  const intervalMs = options.intervalMs ?? 2_000;
  const started = Date.now();
  write(
    'Starting the local two-site cluster (ZooKeeper 3.8: 3 participants + 1 observer; ClickHouse 18.16: 2 + 1 replicas)\n',
  );
  const { state, elapsedMs } = await up({
    dir,
    ...(options.portBase === undefined ? {} : { portBase: options.portBase }),
    onProgress: (message) => write(`  … ${message}\n`),
  });
  write(`Cluster up in ${(elapsedMs / 1000).toFixed(1)} s. Topology: ${state.topologyPath}\n`);

  const topology: Topology = await loadTopology(state.topologyPath);
  const store = new MemoryStateStore();
  // Pages are kept and shown under the status view: in place on a terminal, appended in a log.
  const notifier = new MemoryNotifier();
  let shownPages = 0;
  const outcomes: string[] = [];
  const show = (title: string, reports: HealthReport[]) => {
    const fresh = notifier.sent.slice(shownPages).map(renderNotification).join('');
    shownPages = notifier.sent.length;
    if (options.live) {
      const last = notifier.sent.at(-1);
      write(`\x1b[2J\x1b[H${outcomes.join('')}━━ ${title}\n${renderStatusTree(topology, reports)}\n`);
      if (last) write(`\nlast page sent:\n${renderNotification(last)}`);
    } else {
      write(`${renderStatusTree(topology, reports)}\n${fresh}`);
    }
  };
  const pager = new Pager({
    store,
    notifier,
    ...alertSettings(topology.alerts),
  });
  const connect = await replicaConnector(topology, { env: process.env });
  const publisher = {
    publish: async (data: readonly PublishedDatum[]) => ({ calls: 1, datums: data.length }),
  };
  let detectedAll = true;
  let pages = 0;
  try {
    for (const scene of SCENES) {
      if (options.signal?.aborted) break;
      write(`\n━━ ${scene.title}\n`);
      const injectedAt = Date.now();
      const sentBefore = notifier.sent.length;
      const messageSent = () =>
        scene.message === undefined ||
        notifier.sent.slice(sentBefore).some((message) => message.attributes.event === scene.message);
      await scene.inject?.(dir);
      let seen = false;
      for (let cycle = 0; cycle < MAX_CYCLES_PER_SCENE && !seen && !options.signal?.aborted; cycle++) {
        const results = await runAgentCyclesForAllSites({
          topology,
          clock: systemClock,
          connect,
          store,
          publisher,
          pager,
        });
        pages += results.reduce((sum, result) => sum + result.paging.sent, 0);
        const reports = results.map((result) => result.report);
        show(scene.title, reports);
        seen = scene.detected(reports) && messageSent();
        if (!seen) await sleep(intervalMs, options.signal);
      }
      const outcome = `━━ ${scene.title}: ${seen ? `seen after ${((Date.now() - injectedAt) / 1000).toFixed(1)} s` : 'not seen in time'}\n`;
      outcomes.push(outcome);
      if (!options.live) write(`   → ${outcome.slice(3)}`);
      detectedAll &&= seen;
      await scene.heal?.(dir);
    }
  } finally {
    await closeCachedConnections();
    if (options.keep) {
      write(
        `\nCluster left running in ${dir}: try  node bin/chdr.cjs status --config ${state.topologyPath}\n`,
      );
    } else {
      const stopped = await down({ dir });
      write(
        `\nCluster stopped (${stopped.stopped.length} servers) in ${(stopped.elapsedMs / 1000).toFixed(1)} s.\n`,
      );
    }
  }
  write(`Demo finished in ${((Date.now() - started) / 1000).toFixed(0)} s: ${pages} page(s) sent.\n`);
  return { detectedAll, pages };
};
