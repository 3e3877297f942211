import type { Command } from 'commander';
import type { CheckOptions } from '../actions/check.js';
import { stateOptions } from '../state-option.js';
import { configOption } from '../topology-option.js';

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
  command.action(async (options: CheckOptions) => (await import('../actions/check.js')).check(options));
};
