import { ChdrError } from '../errors/index.js';

export const EXECUTOR_ERROR_CODES = {
  noInstance: 'EXECUTOR_NO_INSTANCE_ID',
  sendFailed: 'EXECUTOR_SEND_FAILED',
  aborted: 'EXECUTOR_ABORTED',
  spawnFailed: 'EXECUTOR_SPAWN_FAILED',
} as const;

/** The command could not be run at all (as opposed to a command that ran and failed). */
export class ExecutorError extends ChdrError {}
