import { CHECK_STATUSES } from './constants.js';
import type { Check, CheckKind, CheckStatus } from './types.js';

export const worstStatus = (statuses: Iterable<CheckStatus>): CheckStatus => {
  let worst = 0;
  for (const status of statuses) worst = Math.max(worst, CHECK_STATUSES.indexOf(status));
  return CHECK_STATUSES[worst]!;
};

/** Grades a measured value against warn/critical thresholds (higher is worse). */
export const gradeAbove = (value: number, warn: number, critical: number): CheckStatus =>
  value >= critical ? 'critical' : value >= warn ? 'warn' : 'ok';

/** A type guard for one kind of check: `checks.filter(isCheckOf('heartbeat-lag'))` has typed values. */
export const isCheckOf =
  <K extends CheckKind>(kind: K) =>
  (check: Check): check is Extract<Check, { kind: K }> =>
    check.kind === kind;

/** The check of a kind about a subject, typed by its kind. */
export const findCheck = <K extends CheckKind>(
  checks: readonly Check[],
  kind: K,
  subject: string,
): Extract<Check, { kind: K }> | undefined =>
  checks.filter(isCheckOf(kind)).find((check) => check.subject === subject);
