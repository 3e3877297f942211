export { LocalShellExecutor, processAlive, type LocalShellExecutorOptions } from './local.js';
export { SsmExecutor, realSleep, type SsmExecutorOptions, type Sleep } from './ssm.js';
export { ExecutorError, EXECUTOR_ERROR_CODES } from './errors.js';
export { EXIT_TIMED_OUT, EXECUTOR_KINDS, SSM_DOCUMENT } from './constants.js';
export type { HostCommand, HostCommandResult, HostExecutor, HostTarget } from './types.js';
