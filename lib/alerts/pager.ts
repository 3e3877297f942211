import { describeError } from '../errors/index.js';
import type { Check } from '../health/index.js';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import type { StateStore, StoredItem } from '../state/index.js';
import {
  DEFAULT_CONFIRM_CYCLES,
  DEFAULT_CONFIRM_SECONDS,
  DEFAULT_REPAGE_MINUTES,
  KEY_PREFIXES,
  PAGE_STATE_TTL_MARGIN_SECONDS,
} from './constants.js';
import { ALERTS_ERROR_CODES, AlertsError } from './errors.js';
import { decideIncident, deferTo, groupIncidents, mergeMembers, type IncidentAction } from './incident.js';
import { pageMessage, resolvedMessage, type PageItem } from './message.js';
import { Pauses } from './pause.js';
import type {
  IncidentState,
  Notification,
  Notifier,
  PageState,
  PagingOutcome,
  PagingReport,
  PagingResult,
  PeerView,
} from './types.js';

export interface PagerOptions {
  store: StateStore;
  notifier: Notifier;
  clock?: Clock;
  /** Re-page interval while an incident stays open (topology `alerts.repageMinutes`). */
  repageMinutes?: number;
  /** Consecutive cycles a condition must hold before it pages (topology `alerts.confirmCycles`). */
  confirmCycles?: number;
  /** ...and seconds since first seen (topology `alerts.confirmSeconds`). */
  confirmSeconds?: number;
  /** Base of runbook links (docs/metrics.md, or the URL where the docs are published). */
  runbookBase?: string;
  /** The stage of a deployed agent: its pages tell how to pause against the deployed tables. */
  deployedStage?: string;
}

/** The options `alerts` of a topology sets: re-page interval and confirmation. */
export const alertSettings = (alerts: {
  repageMinutes: number;
  confirmCycles: number;
  confirmSeconds: number;
}): Pick<PagerOptions, 'repageMinutes' | 'confirmCycles' | 'confirmSeconds'> => ({
  repageMinutes: alerts.repageMinutes,
  confirmCycles: alerts.confirmCycles,
  confirmSeconds: alerts.confirmSeconds,
});

export const incidentKeyPrefix = (cluster: string, site: string): string =>
  `${KEY_PREFIXES.incident}${cluster}/${site}/`;

const incidentKey = (cluster: string, site: string, key: string): string =>
  `${incidentKeyPrefix(cluster, site)}${encodeURIComponent(key)}`;

/** An incident's checks as the messages name them, each with the incident's paging history. */
const pageStates = (incident: IncidentState): PageState[] =>
  incident.members.map((member) => ({
    cluster: incident.cluster,
    site: incident.site,
    kind: member.kind,
    subject: member.subject,
    since: member.since,
    lastPagedAt: incident.lastPagedAt ?? member.since,
    pages: incident.pages,
    summary: member.summary,
  }));

const findCheck = (checks: readonly Check[], state: Pick<PageState, 'kind' | 'subject'>) =>
  checks.find((check) => check.kind === state.kind && check.subject === state.subject);

interface Claim {
  event: PagingOutcome['event'];
  key: string;
  checks: readonly Check[];
  previous: StoredItem<IncidentState> | undefined;
  /** The state written by the claim (undefined for a resolution, which deletes). */
  written: StoredItem<IncidentState> | undefined;
}

/**
 * Decides, per incident (critical checks that share a cause, see incident.ts), whether a cycle's report
 * pages: once the condition held for `confirmCycles` cycles and `confirmSeconds`, again every `repageMinutes` while it lasts,
 * and once when it clears. A peer agent that has the incident in hand (`peers`) gets it instead. Each
 * transition is claimed with a conditional write before anything is sent, so two overlapping invocations
 * never both page; a send that fails gives its claim back, so the next cycle tries again.
 */
export class Pager {
  private readonly store: StateStore;
  private readonly notifier: Notifier;
  private readonly clock: Clock;
  private readonly repageMs: number;
  private readonly confirmCycles: number;
  private readonly confirmMs: number;
  private readonly ttlSeconds: number;
  private readonly runbookBase: string | undefined;
  private readonly deployedStage: string | undefined;

  constructor(options: PagerOptions) {
    this.store = options.store;
    this.notifier = options.notifier;
    this.clock = options.clock ?? systemClock;
    const repageMinutes = options.repageMinutes ?? DEFAULT_REPAGE_MINUTES;
    this.repageMs = repageMinutes * 60_000;
    this.confirmCycles = options.confirmCycles ?? DEFAULT_CONFIRM_CYCLES;
    this.confirmMs = (options.confirmSeconds ?? DEFAULT_CONFIRM_SECONDS) * 1000;
    this.ttlSeconds = Math.ceil(repageMinutes * 60) + PAGE_STATE_TTL_MARGIN_SECONDS;
    this.runbookBase = options.runbookBase;
    this.deployedStage = options.deployedStage;
  }

  /** The checks of the incidents currently open (paged and not resolved) at a site, for `chdr status`. */
  async openProblems(cluster: string, site: string): Promise<PageState[]> {
    return (await this.incidents(cluster, site))
      .filter((item) => item.value.phase === 'open')
      .flatMap((item) => pageStates(item.value));
  }

  private async incidents(cluster: string, site: string): Promise<StoredItem<IncidentState>[]> {
    return this.store.list<IncidentState>(incidentKeyPrefix(cluster, site));
  }

  async process(report: PagingReport, peers: readonly PeerView[] = []): Promise<PagingResult> {
    const pauses = new Pauses({
      store: this.store,
      notifier: this.notifier,
      cluster: report.cluster,
      clock: this.clock,
    });
    const paused = await pauses.activePause(report.site);
    if (paused) return { paused, outcomes: [], sent: 0, open: [], pending: [], deferred: [] };

    const now = this.clock.now();
    const nowIso = new Date(now).toISOString();
    const stored = new Map(
      (await this.incidents(report.cluster, report.site)).map((item) => [item.value.key, item]),
    );
    const groups = groupIncidents(report.checks, new Set(stored.keys()));
    const claims: Claim[] = [];
    const after = new Map<string, IncidentState>();

    for (const key of new Set([...stored.keys(), ...groups.keys()])) {
      const previous = stored.get(key);
      const checks = groups.get(key) ?? [];
      const action = decideIncident({
        state: previous?.value,
        holds: checks.length > 0,
        confirmCycles: this.confirmCycles,
        confirmMs: this.confirmMs,
        repageMs: this.repageMs,
        now,
        deferredTo: deferTo(key, peers, previous?.value),
      });
      const applied = await this.apply(action, report, key, checks, previous, nowIso);
      if (applied.state) after.set(key, applied.state);
      if (applied.claim) claims.push(applied.claim);
    }

    const sent = await this.send(report, claims, after, nowIso);
    const states = [...after.values()];
    return {
      outcomes: claims.map((claim) => ({
        incident: (claim.written ?? claim.previous)!.value.key,
        event: claim.event,
        checks: claim.checks.map((check) => `${check.kind} ${check.subject}`),
      })),
      sent,
      open: states.filter((state) => state.phase === 'open').map((state) => state.key),
      pending: states.filter((state) => state.phase === 'pending').map((state) => state.key),
      deferred: states
        .filter((state) => state.phase === 'deferred')
        .map((state) => ({ incident: state.key, to: state.deferredTo! })),
    };
  }

  /**
   * Writes what the action changes (conditionally, so that of two overlapping invocations one wins). Returns
   * the incident's state after this cycle and, for a transition to tell people about, the claim.
   */
  private async apply(
    action: IncidentAction,
    report: PagingReport,
    key: string,
    checks: readonly Check[],
    previous: StoredItem<IncidentState> | undefined,
    nowIso: string,
  ): Promise<{ state?: IncidentState; claim?: Claim }> {
    const storeKey = incidentKey(report.cluster, report.site, key);
    if (action.do === 'nothing') return previous ? { state: previous.value } : {};
    if (action.do === 'forget' || action.do === 'resolve') {
      const deleted = await this.store.delete(storeKey, { expectedVersion: previous!.version });
      if (!deleted) return previous ? { state: previous.value } : {};
      return action.do === 'resolve'
        ? { claim: { event: 'resolved', key: storeKey, checks, previous, written: undefined } }
        : {};
    }
    const before = previous?.value;
    const paging = action.do === 'page' || action.do === 'repeat';
    const state: IncidentState = {
      cluster: report.cluster,
      site: report.site,
      key,
      phase: paging || action.do === 'hold' ? 'open' : action.do === 'defer' ? 'deferred' : 'pending',
      cycles: (before?.cycles ?? 0) + 1,
      since: before?.since ?? nowIso,
      lastPagedAt: paging ? nowIso : (before?.lastPagedAt ?? null),
      pages: (before?.pages ?? 0) + (paging ? 1 : 0),
      deferredTo: action.do === 'defer' ? action.to : null,
      members: mergeMembers(before?.members ?? [], checks, nowIso),
    };
    const written = await this.store.put(storeKey, state, {
      expectedVersion: previous?.version ?? 0,
      ttlSeconds: this.ttlSeconds,
    });
    if (!written) return previous ? { state: previous.value } : {};
    if (!paging) return { state: written.value };
    const event = action.do === 'page' ? 'critical' : 'repeat';
    return { state: written.value, claim: { event, key: storeKey, checks, previous, written } };
  }

  /** One message per incident that paged, re-paged or resolved; a failed send gives its claim back. */
  private async send(
    report: PagingReport,
    claims: readonly Claim[],
    after: ReadonlyMap<string, IncidentState>,
    nowIso: string,
  ): Promise<number> {
    const context = (incident: IncidentState) => ({
      report,
      at: nowIso,
      repageMinutes: this.repageMs / 60_000,
      runbookBase: this.runbookBase,
      deployedStage: this.deployedStage,
      incident: incident.key,
      alsoOpen: [...after.values()]
        .filter((other) => other.phase === 'open' && other.key !== incident.key)
        .flatMap(pageStates),
    });
    const failures: unknown[] = [];
    let sent = 0;
    for (const claim of claims) {
      const message = (): Notification => {
        if (claim.event === 'resolved') {
          const incident = claim.previous!.value;
          return resolvedMessage(
            pageStates(incident).map((state) => ({ state, check: findCheck(report.checks, state) })),
            context(incident),
          );
        }
        const incident = claim.written!.value;
        // Every check of the incident: those that cleared while it was being confirmed (the cause, often)
        // are told as they were seen.
        const items = pageStates(incident).map((state): PageItem => ({
          check: findCheck(claim.checks, state),
          state,
        }));
        return pageMessage(claim.event, items, context(incident));
      };
      try {
        await this.notifier.notify(message());
        sent += 1;
      } catch (error) {
        failures.push(error);
        await this.giveBack(claim);
      }
    }
    if (failures.length > 0) {
      throw new AlertsError(
        ALERTS_ERROR_CODES.notifyFailed,
        `${failures.length} page message(s) for ${report.cluster}/${report.site} could not be sent (will retry next cycle): ${describeError(failures[0])}`,
        { cause: failures[0] },
      );
    }
    return sent;
  }

  /** Undoes a claim whose message could not be sent, so that the next cycle makes the same decision. */
  private async giveBack(claim: Claim): Promise<void> {
    if (claim.event === 'resolved') {
      await this.store.put(claim.key, claim.previous!.value, {
        expectedVersion: 0,
        ttlSeconds: this.ttlSeconds,
      });
    } else if (claim.previous) {
      await this.store.put(claim.key, claim.previous.value, {
        expectedVersion: claim.written!.version,
        ttlSeconds: this.ttlSeconds,
      });
    } else {
      await this.store.delete(claim.key, { expectedVersion: claim.written!.version });
    }
  }
}
