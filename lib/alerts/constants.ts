import type { CheckKind } from '../health/index.js';
import { RUNBOOK } from '../metrics/index.js';

/** SNS: a subject is ASCII, without line breaks, and less than 100 characters. */
export const MAX_SUBJECT_CHARS = 99;

/** What a message is about; also the `event` message attribute, for subscription filter policies. */
export const NOTIFICATION_EVENTS = {
  critical: 'critical',
  repeat: 'repeat',
  resolved: 'resolved',
  paused: 'paused',
  resumed: 'resumed',
  pauseEnded: 'pause-ended',
  failover: 'failover',
  /** A fenced site's agent found it back (old primary back, fenced). */
  fenced: 'fenced',
} as const;

export const SUBJECT_TAGS = {
  critical: '[CRITICAL]',
  repeat: '[STILL CRITICAL]',
  resolved: '[RESOLVED]',
  paused: '[PAUSED]',
  resumed: '[RESUMED]',
  'pause-ended': '[PAUSE ENDED]',
  failover: '[FAILOVER]',
} as const;

/** Store keys: `incident/<cluster>/<site>/<incident key>` and `pause/<cluster>/<site>`. */
export const KEY_PREFIXES = { incident: 'incident/', pause: 'pause/' } as const;

/** Incident keys: one cluster-wide cause, or a site that problems trace to (`site/<name>`). */
export const INCIDENT_KEYS = { coordination: 'coordination', sitePrefix: 'site/' } as const;

/** A condition pages once it held for this many consecutive cycles (`alerts.confirmCycles`)... */
export const DEFAULT_CONFIRM_CYCLES = 2;
/** ...and for this long since first seen (`alerts.confirmSeconds`): longer than a leader election. */
export const DEFAULT_CONFIRM_SECONDS = 20;

export const DEFAULT_REPAGE_MINUTES = 60;
/** Paging state outlives the re-page interval by this much, so an entry only expires once nobody rewrites it. */
export const PAGE_STATE_TTL_MARGIN_SECONDS = 3_600;
/** A pause entry stays this long after `until`, so that the next cycle can say once that it ended. */
export const PAUSE_TTL_MARGIN_SECONDS = 86_400;

/** The order in which problems are named in a subject: what explains the most comes first. */
export const KIND_PRIORITY: readonly CheckKind[] = [
  'coordination-ensemble',
  'heartbeat-lag',
  'replica-status',
  'heartbeat-write',
  'coordination-node',
  'replica-tables',
  'security',
  'site-roles',
];

/** The first thing to look at, per check kind; the runbook section has the rest. */
export const FIRST_STEPS: Record<CheckKind, { anchor: string; step: string }> = {
  'heartbeat-lag': {
    anchor: RUNBOOK.heartbeatLag,
    step: "on this site's replicas, SELECT * FROM system.replication_queue WHERE last_exception != '' (fetch errors), and check the interserver port to the source site",
  },
  'heartbeat-write': {
    anchor: RUNBOOK.heartbeatWrite,
    step: 'is the local replica read-only (system.replicas.is_readonly) or the ensemble without quorum? the page for that comes with this one',
  },
  'coordination-node': {
    anchor: RUNBOOK.node,
    step: 'on the node: echo mntr | nc <host> <port>; then disk, CPU, the server log; restart only if the ensemble keeps quorum without it',
  },
  'coordination-ensemble': {
    anchor: RUNBOOK.quorum,
    step: 'count the participants up (chdr status); if the primary site lost its majority, plan a failover (chdr plan)',
  },
  'replica-status': {
    anchor: RUNBOOK.readonly,
    step: 'SELECT database, table, is_readonly, is_session_expired, absolute_delay, queue_size FROM system.replicas on that replica',
  },
  'replica-tables': {
    anchor: RUNBOOK.delay,
    step: "SELECT * FROM system.replication_queue WHERE database = '<db>' AND table = '<table>' on that replica",
  },
  security: {
    anchor: RUNBOOK.security,
    step: 'the finding names the setting to change; fix it at the next maintenance window',
  },
  'site-roles': {
    anchor: RUNBOOK.roles,
    step: 'when the lost site is repaired: chdr recover --from <lost site> --to <primary> (the summary names both)',
  },
};
