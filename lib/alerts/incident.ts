import type { Check } from '../health/index.js';
import { INCIDENT_KEYS } from './constants.js';
import type { IncidentState, PeerView } from './types.js';

/**
 * The cause a critical check is filed under. A lost quorum or leader is one cause for the whole cluster
 * (both regions' agents compute the same key); lag from a source traces to that source site; anything else
 * to the site that reports it.
 */
export const incidentKeyOf = (check: Pick<Check, 'kind' | 'site' | 'subject'>): string => {
  if (check.kind === 'coordination-ensemble') return INCIDENT_KEYS.coordination;
  const site = check.kind === 'heartbeat-lag' ? check.subject : check.site;
  return `${INCIDENT_KEYS.sitePrefix}${site}`;
};

/**
 * This cycle's critical checks, grouped into incidents. While a coordination incident is active (waiting
 * for confirmation, open or deferred) it absorbs every critical check: heartbeat writes fail, lag grows and
 * replicas go read-only because of it, and they clear after it, not as incidents of their own.
 */
export const groupIncidents = (
  checks: readonly Check[],
  activeKeys: ReadonlySet<string>,
): Map<string, Check[]> => {
  const critical = checks.filter((check) => check.status === 'critical');
  const absorbing =
    activeKeys.has(INCIDENT_KEYS.coordination) ||
    critical.some((check) => incidentKeyOf(check) === INCIDENT_KEYS.coordination);
  const groups = new Map<string, Check[]>();
  for (const check of critical) {
    const key = absorbing ? INCIDENT_KEYS.coordination : incidentKeyOf(check);
    groups.set(key, [...(groups.get(key) ?? []), check]);
  }
  return groups;
};

/**
 * The peer agent that has this incident in hand, if any: the one it was left to while that agent's verdict
 * stays fresh (what remains here after the peer resolved it is aftermath, not a new incident), else one
 * whose verdict is fresh and that has paged it already, or that owns cluster-wide causes (the primary's
 * agent) and is confirming it. Otherwise this agent pages itself, so that a standby still pages alone
 * when the primary's agent is silent.
 */
export const deferTo = (
  key: string,
  peers: readonly PeerView[],
  state: IncidentState | undefined,
): string | undefined => {
  const fresh = peers.filter((peer) => peer.fresh);
  if (state?.phase === 'deferred' && fresh.some((peer) => peer.site === state.deferredTo))
    return state.deferredTo!;
  return fresh.find((peer) => peer.open.includes(key) || (peer.owner && peer.pending.includes(key)))?.site;
};

/** What to do with one incident in one cycle. */
export type IncidentAction =
  | { do: 'wait' }
  | { do: 'page' }
  | { do: 'repeat' }
  | { do: 'defer'; to: string }
  | { do: 'hold' }
  | { do: 'resolve' }
  | { do: 'forget' }
  | { do: 'nothing' };

export interface IncidentInputs {
  state: IncidentState | undefined;
  /** The incident's condition holds in this cycle. */
  holds: boolean;
  confirmCycles: number;
  /** How long since first seen the condition must have held, besides the cycles. */
  confirmMs: number;
  repageMs: number;
  now: number;
  /** The peer agent this incident is left to, when one has it in hand. */
  deferredTo: string | undefined;
}

/**
 * The incident's state machine: a condition pages once it held for `confirmCycles` consecutive cycles
 * and `confirmMs` since first seen (unless a peer has it in hand), re-pages every `repageMs` while it lasts (held in between, its new
 * checks added), and resolves once when it clears. One that clears before it paged is forgotten without a word.
 */
export const decideIncident = (input: IncidentInputs): IncidentAction => {
  const { state } = input;
  if (!input.holds) {
    if (!state) return { do: 'nothing' };
    return state.phase === 'open' ? { do: 'resolve' } : { do: 'forget' };
  }
  if (state?.phase === 'open') {
    const last = state.lastPagedAt === null ? 0 : new Date(state.lastPagedAt).getTime();
    return input.now - last >= input.repageMs ? { do: 'repeat' } : { do: 'hold' };
  }
  const heldMs = state ? input.now - new Date(state.since).getTime() : 0;
  if ((state?.cycles ?? 0) + 1 < input.confirmCycles || heldMs < input.confirmMs) return { do: 'wait' };
  return input.deferredTo === undefined ? { do: 'page' } : { do: 'defer', to: input.deferredTo };
};

/** The members an incident lists: every check that was part of it while it lasted, newest summary kept. */
export const mergeMembers = (
  before: IncidentState['members'],
  checks: readonly Check[],
  at: string,
): IncidentState['members'] => {
  const merged = new Map(before.map((member) => [`${member.kind}\u0000${member.subject}`, member]));
  for (const check of checks) {
    const id = `${check.kind}\u0000${check.subject}`;
    merged.set(id, {
      kind: check.kind,
      subject: check.subject,
      summary: check.summary,
      since: merged.get(id)?.since ?? at,
    });
  }
  return [...merged.values()];
};
