/** Ordered from best to worst: a report's status is the worst of its checks. */
export const CHECK_STATUSES = ['ok', 'warn', 'critical'] as const;

export const CHECK_KINDS = [
  'heartbeat-write',
  'heartbeat-lag',
  'coordination-node',
  'coordination-ensemble',
  'replica-status',
  'replica-tables',
  'security',
  /** The site's live role: fenced or lost sites are a warning naming the next step, not a page. */
  'site-roles',
] as const;
