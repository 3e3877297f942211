import { ChdrError } from '../errors/index.js';

export const ALERTS_ERROR_CODES = {
  notifyFailed: 'ALERTS_NOTIFY_FAILED',
  badPause: 'ALERTS_BAD_PAUSE',
} as const;

export class AlertsError extends ChdrError {}
