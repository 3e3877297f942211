import type { CHECK_STATUSES, CHECK_KINDS } from './constants.js';

export type CheckStatus = (typeof CHECK_STATUSES)[number];
export type CheckKind = (typeof CHECK_KINDS)[number];

/**
 * One verdict in a health report. `subject` names what was checked (a node, a replica, a table,
 * a source site); `values` holds the measured numbers; `summary` is one line a person can act on.
 */
export interface Check {
  kind: CheckKind;
  site: string;
  subject: string;
  status: CheckStatus;
  summary: string;
  values: Record<string, number | string | boolean | null>;
}
