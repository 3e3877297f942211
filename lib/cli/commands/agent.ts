import type { Command } from 'commander';
import { runAgentCyclesForAllSites, verdictFreshMs } from '../../agent/index.js';
import { closeCachedConnections } from '../../clickhouse/index.js';
import { replicaConnector } from '../../cycle/index.js';
import { systemClock } from '../../probe/index.js';
import { renderStatusTree } from '../../report/index.js';
import { countingPublisher, localPaging } from '../local-runtime.js';
import { loadTopology } from '../../config/index.js';
import { configOption } from '../topology-option.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `chdr agent`: what the scheduled functions do, for every site, from a laptop, every few seconds. */
export const registerAgentCommand = (program: Command): void => {
  program
    .command('agent')
    .description(
      'run the agent for every site in a loop: heartbeat, probes, paging (pages printed, state in .chdr/state)',
    )
    .addOption(configOption())
    .option('-i, --interval <seconds>', 'seconds between cycles', '10')
    .option('-n, --cycles <count>', 'stop after this many cycles (default: until Ctrl-C)')
    .action(async (options: { config: string; interval: string; cycles?: string }) => {
      const topology = await loadTopology(options.config);
      const { store, pager } = localPaging(topology);
      const connect = await replicaConnector(topology, { env: process.env });
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
    });
};
