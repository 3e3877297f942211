/** How lag is measured, reported with every lag check. */
export const HEARTBEAT_LAG_METHOD = 'reader now() - max(updated_at)';

/** What a `heartbeat-lag` check found for one source site. */
export const HEARTBEAT_OUTCOMES = {
  ok: 'ok',
  lagging: 'lagging',
  stalled: 'stalled',
  neverSeen: 'never-seen',
  readFailed: 'read-failed',
  clockSkew: 'clock-skew',
} as const;

/** A heartbeat this far (seconds) in the reader's future means the two servers' clocks disagree. */
export const MAX_CLOCK_SKEW_SECONDS = 60;

export const HEARTBEAT_MEMORY_VERSION = 1;

/** Exception types after which a write creates the heartbeat table and tries once more. */
export const MISSING_TABLE_TYPES: readonly string[] = ['UNKNOWN_TABLE', 'UNKNOWN_DATABASE'];

/** The monitoring user's name when the topology connects as `default` (which should not be used). */
export const DEFAULT_MONITOR_USER = 'chdr_monitor';
