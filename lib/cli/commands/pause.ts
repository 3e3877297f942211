import type { Command } from 'commander';
import type { PauseOptions } from '../actions/pause.js';
import { stateOptions, type StateOptions } from '../state-option.js';
import { configOption } from '../topology-option.js';

/** `chdr pause` / `chdr resume`: maintenance windows. Metrics continue; pages for the site are held back. */
export const registerPauseCommands = (program: Command): void => {
  program
    .command('pause')
    .description('hold back pages for a site until a time (cycles and metrics continue)')
    .addOption(configOption())
    .requiredOption('-s, --site <name>', 'site to pause')
    .requiredOption('--until <time>', 'ISO time or duration (30m, 2h, 1d) when the pause ends by itself')
    .requiredOption('--reason <text>', 'why, shown in the notice and in status')
    .addOption(stateOptions()[0]!)
    .addOption(stateOptions()[1]!)
    .action(async (options: PauseOptions) => (await import('../actions/pause.js')).pause(options));
  program
    .command('resume')
    .description('end a pause now')
    .addOption(configOption())
    .requiredOption('-s, --site <name>', 'site to resume')
    .addOption(stateOptions()[0]!)
    .addOption(stateOptions()[1]!)
    .action(async (options: StateOptions & { config: string; site: string }) =>
      (await import('../actions/pause.js')).resume(options),
    );
};
