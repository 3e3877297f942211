import type { Check, CheckKind } from '../health/index.js';
import type { NOTIFICATION_EVENTS } from './constants.js';

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[keyof typeof NOTIFICATION_EVENTS];

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Machine-readable content of a message; `event` is always set. Sent as the `chdr` JSON message attribute. */
export interface NotificationAttributes {
  event: NotificationEvent;
  [key: string]: Json;
}

/** One message to people: a short subject, a body to act on, and attributes for machines. */
export interface Notification {
  subject: string;
  body: string;
  attributes: NotificationAttributes;
}

/** Where messages go: SNS in AWS, memory in tests and the local CLI. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** The part of a HealthReport the pager reads; a `HealthReport` fits. */
export interface PagingReport {
  cluster: string;
  site: string;
  region?: string;
  startedAt: string;
  durationMs: number;
  checks: readonly Check[];
}

/** How one check of an incident is named in a message, with the incident's paging history. */
export interface PageState {
  cluster: string;
  site: string;
  kind: CheckKind;
  subject: string;
  /** ISO time of the cycle that first saw it critical. */
  since: string;
  /** ISO time of the last page or re-page. */
  lastPagedAt: string;
  pages: number;
  summary: string;
}

/** One check that was part of an incident. */
export interface IncidentMember {
  kind: CheckKind;
  subject: string;
  summary: string;
  /** ISO time of the cycle that first saw it critical within this incident. */
  since: string;
}

/** What an agent stores per incident: waiting for confirmation, paged (open), or left to a peer agent. */
export interface IncidentState {
  cluster: string;
  site: string;
  key: string;
  phase: 'pending' | 'open' | 'deferred';
  /** Consecutive cycles the condition held. */
  cycles: number;
  /** ISO time of the first cycle that saw it. */
  since: string;
  /** ISO time of the last page or re-page, null while not paged. */
  lastPagedAt: string | null;
  pages: number;
  /** The peer agent (site) that has it in hand, while deferred. */
  deferredTo: string | null;
  members: IncidentMember[];
}

/** What this agent knows of another site's agent, from the verdict that agent left in this region. */
export interface PeerView {
  site: string;
  /** That agent owns cluster-wide causes: it runs for the live primary site. */
  owner: boolean;
  /** Its verdict is recent enough to trust that it is running and paging. */
  fresh: boolean;
  /** Incident keys it has paged and not resolved. */
  open: readonly string[];
  /** Incident keys it is confirming. */
  pending: readonly string[];
}

/** A site whose pages are held back (maintenance); metrics are still published. */
export interface Pause {
  cluster: string;
  site: string;
  /** ISO time the pause ends by itself. */
  until: string;
  reason: string;
  who: string;
  pausedAt: string;
}

/** A transition of one incident this invocation claimed (won the conditional write for) and told. */
export interface PagingOutcome {
  incident: string;
  event: 'critical' | 'repeat' | 'resolved';
  /** The checks it named (`kind subject`). */
  checks: string[];
}

export interface PagingResult {
  /** The active pause when the site is paused: nothing was sent or changed. */
  paused?: Pause;
  outcomes: PagingOutcome[];
  /** Messages sent in this cycle: one per incident that paged, re-paged or resolved. */
  sent: number;
  /** Incident keys paged and not resolved, waiting for confirmation, and left to a peer agent. */
  open: string[];
  pending: string[];
  deferred: { incident: string; to: string }[];
}
