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

/** What is stored per (site, check) while it is critical. */
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

/** What the pager did for one check in one cycle. */
export interface PagingOutcome {
  kind: CheckKind;
  subject: string;
  event: 'critical' | 'repeat' | 'resolved';
  /** False when another invocation had already claimed this transition (conditional write lost). */
  claimed: boolean;
}

export interface PagingResult {
  /** The active pause when the site is paused: nothing was sent or changed. */
  paused?: Pause;
  outcomes: PagingOutcome[];
  /** Messages sent in this cycle (0 to 3: new problems, still-open problems, resolved problems). */
  sent: number;
}
