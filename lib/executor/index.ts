export { LocalShellExecutor, type LocalShellExecutorOptions } from './local.js';
export { processAlive } from './process-alive.js';
export { SsmExecutor, realSleep, ssmShellLine, type SsmExecutorOptions, type Sleep } from './ssm.js';
export { ExecutorError, EXECUTOR_ERROR_CODES } from './errors.js';
export { EXIT_TIMED_OUT, EXECUTOR_KINDS, SSM_DOCUMENT, SSM_MAX_OUTPUT_CHARS } from './constants.js';
export type { HostCommand, HostCommandResult, HostExecutor, HostTarget } from './types.js';
