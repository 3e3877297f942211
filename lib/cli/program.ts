import module from 'node:module';
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from '../config/constants.js';
import { reportCliError } from './output.js';
import { registerCommands } from './commands/index.js';

// Node 22+ keeps V8's compiled code of the command chunks between runs (os.tmpdir()); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// The bundle is minified: stack traces printed for CHDR_DEBUG point into the sources through the maps beside it.
if (process.env.CHDR_DEBUG) process.setSourceMapsEnabled(true);

const program = new Command('chdr')
  .description('Watch and fail over a ClickHouse cluster replicated across two regions')
  .showHelpAfterError()
  .exitOverride();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportCliError(error);
  }
}
