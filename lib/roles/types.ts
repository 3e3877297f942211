import type { FENCE_METHODS } from './constants.js';

export type FenceMethod = (typeof FENCE_METHODS)[keyof typeof FENCE_METHODS];

/**
 * A site that lost the primary role and must not take writes: written by the fencing step of a forced
 * failover, read by both regions' agents, the boot guard and `chdr cluster start`; only `chdr recover`
 * removes it.
 */
export interface FenceRecord {
  site: string;
  /** Coordination nodes and replicas that were fenced (topology names). */
  nodes: string[];
  method: FenceMethod;
  runId: string;
  /** ISO time the fence was put in place. */
  at: string;
  /** Who fenced (IAM principal, local user) and, for `acknowledged`, the operator's own words. */
  by: string;
  note?: string;
}

/**
 * The cluster's roles as they are now: the deployed topology stays the desired layout, this record is
 * the live truth that failover, recover, failback and switchover keep up to date. Absent = as deployed.
 */
export interface ClusterRoles {
  cluster: string;
  /** The site holding the primary role now. */
  primary: string;
  /** ISO time the primary role moved there (or the record was first written). */
  since: string;
  /** The run that set these roles, or null when derived from the topology. */
  runId: string | null;
  /** The operation kind that set them (failover, recover, failback, switchover), or null. */
  operation: string | null;
  /** Coordination nodes (topology names) that vote now; the others observe / learn or are stopped. */
  voters: string[];
  /** Sites fenced and not yet recovered. */
  fenced: FenceRecord[];
}

/**
 * What a site's agent saw of its own site on its latest cycle, left where the *other* region reads it:
 * the failover preflight tells a partition (primary agent still writing) from a lost region.
 */
export interface SiteVerdict {
  cluster: string;
  site: string;
  /** ISO time of the cycle. */
  at: string;
  /** The site's heartbeat write succeeded on this cycle. */
  writable: boolean;
  /** ISO time of the last successful heartbeat write by this agent, or null if none is known. */
  heartbeatWrittenAt: string | null;
  /** The lag (seconds) this agent last measured per source site, before it stopped advancing. */
  lagSeconds: Record<string, number | null>;
  /** Incident keys this agent has paged and not resolved: the other agent leaves them to it. */
  openIncidents?: string[];
  /** Incident keys this agent is confirming (the primary's agent owns cluster-wide ones). */
  pendingIncidents?: string[];
}
