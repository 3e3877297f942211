import { dirname, resolve } from 'node:path';
import { runAgentCyclesForAllSites, verdictFreshMs } from '../../agent/index.js';
import { closeCachedConnections } from '../../clickhouse/index.js';
import { loadCliTopology } from './topology.js';
import { replicaConnector } from '../../cycle/index.js';
import { localFenceGuard, localFencerFor } from '../../fence/index.js';
import { systemClock } from '../../probe/index.js';
import { renderStatusTree } from '../../report/index.js';
import { countingPublisher, localPaging } from './local-runtime.js';

export interface AgentOptions {
  config: string;
  interval: string;
  cycles?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const agent = async (options: AgentOptions): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  const { store, pager } = localPaging(topology);
  const connect = await replicaConnector(topology, { env: process.env });
  // The local cluster's agent enforces fences the way the deployed one does: kill what came back.
  const clusterDir = (await localFencerFor(options.config)) ? dirname(resolve(options.config)) : undefined;
  const fenceGuard = clusterDir
    ? localFenceGuard({ topology, clusterDir, store, connect, write: (text) => process.stdout.write(text) })
    : undefined;
  const limit = options.cycles === undefined ? Infinity : Number(options.cycles);
  const intervalMs = Number(options.interval) * 1000;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  try {
    for (let cycle = 1; cycle <= limit && !stop; cycle++) {
      const results = await runAgentCyclesForAllSites({
        topology,
        clock: systemClock,
        connect,
        store,
        publisher: countingPublisher,
        pager,
        verdictFreshMs: verdictFreshMs(intervalMs, topology.timeouts.cycleMs),
        ...(fenceGuard ? { fenceGuard } : {}),
      });
      const reports = results.map((result) => result.report);
      process.stdout.write(
        `\n── cycle ${cycle} at ${new Date().toISOString()} ──\n${renderStatusTree(topology, reports)}\n`,
      );
      if (cycle < limit) await sleep(intervalMs);
    }
  } finally {
    await closeCachedConnections();
  }
};
