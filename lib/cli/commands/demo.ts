import type { Command } from 'commander';
import { runDemo } from '../../demo/index.js';

/** `chdr demo`: the local two-site cluster, the agent, two faults, their pages, and clean-up. */
export const registerDemoCommand = (program: Command): void => {
  program
    .command('demo')
    .description('bring up the local two-site cluster, watch it, inject faults, show the pages, clean up')
    .option('--keep', 'leave the cluster running at the end')
    .option('--dir <dir>', 'cluster directory', '.chdr/cluster')
    .action(async (options: { keep?: boolean; dir: string }) => {
      const abort = new AbortController();
      process.once('SIGINT', () => {
        process.stdout.write('\nCtrl-C: stopping after this step and cleaning up…\n');
        abort.abort();
      });
      const result = await runDemo({
        dir: options.dir,
        keep: options.keep ?? false,
        live: process.stdout.isTTY === true,
        signal: abort.signal,
      });
      process.exitCode = result.detectedAll && !abort.signal.aborted ? 0 : 1;
    });
};
