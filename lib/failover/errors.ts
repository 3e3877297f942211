import { ChdrError } from '../errors/index.js';

export const FAILOVER_ERROR_CODES = {
  locked: 'FAILOVER_LOCKED',
  lockLost: 'FAILOVER_LOCK_LOST',
  refused: 'FAILOVER_REFUSED',
  precondition: 'FAILOVER_PRECONDITION',
  stepFailed: 'FAILOVER_STEP_FAILED',
  verifyFailed: 'FAILOVER_VERIFY_FAILED',
  timeout: 'FAILOVER_STEP_TIMEOUT',
  hostCommand: 'FAILOVER_HOST_COMMAND_FAILED',
  notConfirmed: 'FAILOVER_NOT_CONFIRMED',
  blocked: 'FAILOVER_BLOCK_PERIOD',
  unexpectedPrimary: 'FAILOVER_UNEXPECTED_PRIMARY',
  hookFailed: 'FAILOVER_HOOK_FAILED',
  aborted: 'FAILOVER_ABORTED',
  badRequest: 'USAGE_FAILOVER_REQUEST',
  openRun: 'FAILOVER_OTHER_RUN_OPEN',
} as const;

export type FailoverErrorCode = (typeof FAILOVER_ERROR_CODES)[keyof typeof FAILOVER_ERROR_CODES];

/** Any failover failure; `code` says which. */
export class FailoverError extends ChdrError {
  constructor(code: FailoverErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
