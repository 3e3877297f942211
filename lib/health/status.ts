import { CHECK_STATUSES } from './constants.js';
import type { CheckStatus } from './types.js';

export const worstStatus = (statuses: Iterable<CheckStatus>): CheckStatus => {
  let worst = 0;
  for (const status of statuses) worst = Math.max(worst, CHECK_STATUSES.indexOf(status));
  return CHECK_STATUSES[worst]!;
};

/** Grades a measured value against warn/critical thresholds (higher is worse). */
export const gradeAbove = (value: number, warn: number, critical: number): CheckStatus =>
  value >= critical ? 'critical' : value >= warn ? 'warn' : 'ok';
