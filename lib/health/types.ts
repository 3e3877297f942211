import type { CHECK_STATUSES, CHECK_KINDS } from './constants.js';
import type {
  CoordinationEnsembleValues,
  CoordinationNodeValues,
  HeartbeatLagValues,
  HeartbeatWriteValues,
  ReplicaStatusValues,
  ReplicaTablesValues,
  SecurityValues,
  SiteRolesValues,
} from './values.js';

export type CheckStatus = (typeof CHECK_STATUSES)[number];
export type CheckKind = (typeof CHECK_KINDS)[keyof typeof CHECK_KINDS];

/** The measured values each kind of check carries. */
export interface CheckValuesByKind {
  'heartbeat-write': HeartbeatWriteValues;
  'heartbeat-lag': HeartbeatLagValues;
  'coordination-node': CoordinationNodeValues;
  'coordination-ensemble': CoordinationEnsembleValues;
  'replica-status': ReplicaStatusValues;
  'replica-tables': ReplicaTablesValues;
  security: SecurityValues;
  'site-roles': SiteRolesValues;
}

/**
 * One verdict of a given kind. `subject` names what was checked (a node, a replica, a table, a source
 * site); `values` holds the measured figures of that kind; `summary` is one line a person can act on.
 */
export interface CheckOf<K extends CheckKind> {
  kind: K;
  site: string;
  subject: string;
  status: CheckStatus;
  summary: string;
  values: CheckValuesByKind[K];
}

/** One verdict in a health report: a union keyed by `kind`, so `values` narrows with it. */
export type Check = { [K in CheckKind]: CheckOf<K> }[CheckKind];
