import type { Command } from 'commander';
import type { StateOptions } from '../state-option.js';
import { stateOptions } from '../state-option.js';
import { configOption } from '../topology-option.js';

/** `chdr status`: the live roles, then the topology as a tree with what each node and replica reports now. */
export const registerStatusCommand = (program: Command): void => {
  const command = program
    .command('status')
    .description(
      'show the live roles, then sites, coordination nodes (role, zxid) and replicas (lag, readonly, queue) as a tree',
    )
    .addOption(configOption());
  for (const option of stateOptions()) command.addOption(option);
  command.action(async (options: StateOptions & { config: string }) =>
    (await import('../actions/status.js')).status(options),
  );
};
