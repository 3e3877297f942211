/** Ordered from best to worst: a report's status is the worst of its checks. */
export const CHECK_STATUSES = ['ok', 'warn', 'critical'] as const;

/** What a check is about; each kind carries its own typed `values` (see `CheckValuesByKind`). */
export const CHECK_KINDS = {
  heartbeatWrite: 'heartbeat-write',
  heartbeatLag: 'heartbeat-lag',
  coordinationNode: 'coordination-node',
  coordinationEnsemble: 'coordination-ensemble',
  replicaStatus: 'replica-status',
  replicaTables: 'replica-tables',
  security: 'security',
  /** The site's live role: fenced or lost sites are a warning naming the next step, not a page. */
  siteRoles: 'site-roles',
} as const;

/**
 * What a probed coordination node turned out to be. `not-serving`: it answers but refuses requests (no
 * leader, no quorum, recovery mode, ZooKeeper read-only mode); `unknown`: it answers but its state cannot be
 * read (4lw not allowed, TLS-only port, garbage): "can't tell", never counted as down.
 */
export const NODE_ROLES = [
  'leader',
  'follower',
  'observer',
  'standalone',
  'not-serving',
  'unreachable',
  'unknown',
] as const;

/** Roles of a coordination node in a topology: votes, or follows without voting. */
export const EXPECTED_NODE_ROLES = ['participant', 'observer'] as const;
