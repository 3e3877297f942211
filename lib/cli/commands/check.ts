import type { Command } from 'commander';
import { worstStatus } from '../../health/index.js';
import { renderChecksTable, statusLabel } from '../../report/index.js';
import { loadTopology } from '../../config/index.js';
import { stateOptions, type StateOptions } from '../state-option.js';
import { configOption, rolesBySite, runCycles } from '../topology-option.js';

/** `chdr check`: one monitoring cycle; exit 0 when healthy, 1 on warn or critical, 2 on bad config. */
export const registerCheckCommand = (program: Command): void => {
  const command = program
    .command('check')
    .description(
      'run one monitoring cycle and print every check (exit 0 healthy, 1 warn/critical, 2 config error)',
    )
    .addOption(configOption())
    .option('-s, --site <name>', 'only this site (default: every site)')
    .option('--json', 'print the health reports as JSON');
  for (const option of stateOptions()) command.addOption(option);
  command.action(async (options: StateOptions & { config: string; site?: string; json?: boolean }) => {
    const topology = await loadTopology(options.config);
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
  });
};
