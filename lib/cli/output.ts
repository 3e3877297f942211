import { EXIT_USAGE } from '../config/constants.js';
import { ConfigError } from '../config/errors.js';
import { describeError, isChdrError } from '../errors/index.js';

/** Prints an error without a stack trace and returns the exit code: 2 for config/usage, 1 otherwise. */
export const reportCliError = (error: unknown): number => {
  if (error instanceof ConfigError) {
    process.stderr.write(`chdr: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (isChdrError(error)) {
    process.stderr.write(`chdr: ${error.message} [${error.code}]\n`);
    return error.code.startsWith('CONFIG_') || error.code.startsWith('USAGE_') ? EXIT_USAGE : 1;
  }
  process.stderr.write(`chdr: ${describeError(error)}\n`);
  if (process.env.CHDR_DEBUG) console.error(error);
  return 1;
};
