import { loadTopology } from '../../config/index.js';
import { worstStatus } from '../../health/index.js';
import { renderStatusTree } from '../../report/index.js';
import { localPaging } from './local-runtime.js';
import { runCycles } from './run-cycles.js';

export const status = async (options: { config: string }): Promise<void> => {
  const topology = await loadTopology(options.config);
  const reports = await runCycles(topology);
  process.stdout.write(`${renderStatusTree(topology, reports)}\n`);
  for (const pause of await localPaging(topology).pauses.listPauses()) {
    process.stdout.write(
      `paused: ${pause.site} until ${pause.until} by ${pause.who} (${pause.reason}); pages held back\n`,
    );
  }
  process.exitCode = worstStatus(reports.map((report) => report.status)) === 'ok' ? 0 : 1;
};
