import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from '../config/constants.js';
import { reportCliError } from './output.js';
import { registerCommands } from './commands/index.js';

const program = new Command('chdr')
  .description('Watch and fail over a ClickHouse cluster replicated across two regions')
  .showHelpAfterError()
  .exitOverride();
registerCommands(program, process.argv[2]);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportCliError(error);
  }
}
