import type { Command } from 'commander';
import { configOption } from '../topology-option.js';

/** `chdr status`: the topology as a tree with what each node and replica reports now. */
export const registerStatusCommand = (program: Command): void => {
  program
    .command('status')
    .description('show sites, coordination nodes (role, zxid) and replicas (lag, readonly, queue) as a tree')
    .addOption(configOption())
    .action(async (options: { config: string }) => (await import('../actions/status.js')).status(options));
};
