import { runDemo } from '../../demo/index.js';

export const demo = async (options: { keep?: boolean; dir: string }): Promise<void> => {
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
};
