import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from '../config/constants.js';
import { reportCliError } from './output.js';
import { registerCommands } from './commands/index.js';

/** Parses the command line and runs the command it names; sets `process.exitCode`, never rejects. */
export const runCli = async (argv: string[]): Promise<void> => {
  const program = new Command('chdr')
    .description('Watch and fail over a ClickHouse cluster replicated across two regions')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    } else {
      process.exitCode = reportCliError(error);
    }
  }
};
