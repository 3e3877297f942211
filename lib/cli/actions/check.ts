import { loadCliTopology } from './topology.js';
import { worstStatus } from '../../health/index.js';
import { renderChecksTable, statusLabel } from '../../report/index.js';
import type { StateOptions } from '../state-option.js';
import { rolesBySite, runCycles } from './run-cycles.js';

export interface CheckOptions extends StateOptions {
  config: string;
  site?: string;
  json?: boolean;
}

export const check = async (options: CheckOptions): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  const reports = await runCycles(topology, options.site, await rolesBySite(topology, options));
  const status = worstStatus(reports.map((report) => report.status));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(options.site ? reports[0] : reports, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderChecksTable(reports.flatMap((report) => report.checks))}\n`);
    const took = reports.map((report) => `${report.site} ${report.durationMs} ms`).join(', ');
    process.stdout.write(
      `\n${statusLabel(status)}: ${topology.cluster} (${took}; lag = ${reports[0]?.lagMethod})\n`,
    );
  }
  process.exitCode = status === 'ok' ? 0 : 1;
};
