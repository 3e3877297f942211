import { ChdrError } from '../errors/index.js';
import type { ConfigProblem } from './types.js';

export const CONFIG_ERROR_CODES = {
  invalid: 'CONFIG_INVALID',
  unreadable: 'CONFIG_UNREADABLE',
  secretUnresolved: 'CONFIG_SECRET_UNRESOLVED',
} as const;

/** A config file that cannot be used; `problems` lists every one found, not just the first. */
export class ConfigError extends ChdrError {
  readonly problems: readonly ConfigProblem[];

  constructor(
    source: string,
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown; code?: string },
  ) {
    super(
      options?.code ?? CONFIG_ERROR_CODES.invalid,
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n'),
      options,
    );
    this.problems = problems;
  }
}
