import type { Command } from 'commander';
import { worstStatus } from '../../health/index.js';
import { renderStatusTree } from '../../report/index.js';
import { localPaging } from '../local-runtime.js';
import { loadTopology } from '../../config/index.js';
import { configOption, runCycles } from '../topology-option.js';

/** `chdr status`: the topology as a tree with what each node and replica reports now. */
export const registerStatusCommand = (program: Command): void => {
  program
    .command('status')
    .description('show sites, coordination nodes (role, zxid) and replicas (lag, readonly, queue) as a tree')
    .addOption(configOption())
    .action(async (options: { config: string }) => {
      const topology = await loadTopology(options.config);
      const reports = await runCycles(topology);
      process.stdout.write(`${renderStatusTree(topology, reports)}\n`);
      for (const pause of await localPaging(topology).pauses.listPauses()) {
        process.stdout.write(
          `paused: ${pause.site} until ${pause.until} by ${pause.who} (${pause.reason}); pages held back\n`,
        );
      }
      process.exitCode = worstStatus(reports.map((report) => report.status)) === 'ok' ? 0 : 1;
    });
};
