import type { Command } from 'commander';

/** `chdr demo`: the local two-site cluster, the agent, two faults, their pages, and clean-up. */
export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description('bring up the local two-site cluster, watch it, inject faults, show the pages, clean up')
    .option('--keep', 'leave the cluster running at the end')
    .option('--dir <dir>', 'cluster directory', '.chdr/cluster')
    .action(async (options: { keep?: boolean; dir: string }) =>
      (await import('../actions/demo.js')).demo(options),
    );
};
