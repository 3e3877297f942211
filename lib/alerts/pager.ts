import { describeError } from '../errors/index.js';
import { worstStatus, type Check } from '../health/index.js';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import type { StateStore, StoredItem } from '../state/index.js';
import { DEFAULT_REPAGE_MINUTES, KEY_PREFIXES, PAGE_STATE_TTL_MARGIN_SECONDS } from './constants.js';
import { ALERTS_ERROR_CODES, AlertsError } from './errors.js';
import { pageMessage, resolvedMessage, type PageItem } from './message.js';
import { Pauses } from './pause.js';
import type {
  Notification,
  Notifier,
  PageState,
  PagingOutcome,
  PagingReport,
  PagingResult,
} from './types.js';

export interface PagerOptions {
  store: StateStore;
  notifier: Notifier;
  clock?: Clock;
  /** Re-page interval while a check stays critical (topology `alerts.repageMinutes`). */
  repageMinutes?: number;
  /** Base of runbook links (docs/metrics.md, or the URL where the docs are published). */
  runbookBase?: string;
}

export const pageKeyPrefix = (cluster: string, site: string): string =>
  `${KEY_PREFIXES.page}${cluster}/${site}/`;

const pageKey = (cluster: string, site: string, kind: string, subject: string): string =>
  `${pageKeyPrefix(cluster, site)}${kind}/${encodeURIComponent(subject)}`;

const identity = (item: { kind: string; subject: string }): string => `${item.kind}\u0000${item.subject}`;

/** One check per identity; duplicates keep the worst status. */
const checksByIdentity = (checks: readonly Check[]): Map<string, Check> => {
  const map = new Map<string, Check>();
  for (const check of checks) {
    const id = identity(check);
    const seen = map.get(id);
    if (!seen || worstStatus([seen.status, check.status]) !== seen.status) map.set(id, check);
  }
  return map;
};

interface Claim {
  event: PagingOutcome['event'];
  key: string;
  check: Check | undefined;
  previous: StoredItem<PageState> | undefined;
  /** The state written by the claim (undefined for a resolution, which deletes). */
  written: StoredItem<PageState> | undefined;
}

/**
 * Decides, per (site, check), whether a cycle's report pages: on the transition to critical, again every
 * `repageMinutes` while it stays critical, and once when it clears. Each transition is claimed with a
 * conditional write before anything is sent, so two overlapping invocations never both page; a send that
 * fails gives its claim back, so the next cycle tries again. Transitions of one cycle go out together:
 * at most one message each for new, still-open and resolved problems.
 */
export class Pager {
  private readonly store: StateStore;
  private readonly notifier: Notifier;
  private readonly clock: Clock;
  private readonly repageMs: number;
  private readonly ttlSeconds: number;
  private readonly runbookBase: string | undefined;

  constructor(options: PagerOptions) {
    this.store = options.store;
    this.notifier = options.notifier;
    this.clock = options.clock ?? systemClock;
    const repageMinutes = options.repageMinutes ?? DEFAULT_REPAGE_MINUTES;
    this.repageMs = repageMinutes * 60_000;
    this.ttlSeconds = Math.ceil(repageMinutes * 60) + PAGE_STATE_TTL_MARGIN_SECONDS;
    this.runbookBase = options.runbookBase;
  }

  private get repageMinutes(): number {
    return this.repageMs / 60_000;
  }

  /** The problems currently open (paged and not resolved) at a site, for `chdr status`. */
  async openProblems(cluster: string, site: string): Promise<PageState[]> {
    return (await this.store.list<PageState>(pageKeyPrefix(cluster, site))).map((item) => item.value);
  }

  async process(report: PagingReport): Promise<PagingResult> {
    const pauses = new Pauses({
      store: this.store,
      notifier: this.notifier,
      cluster: report.cluster,
      clock: this.clock,
    });
    const paused = await pauses.activePause(report.site);
    if (paused) return { paused, outcomes: [], sent: 0 };

    const now = this.clock.now();
    const nowIso = new Date(now).toISOString();
    const stored = new Map(
      (await this.store.list<PageState>(pageKeyPrefix(report.cluster, report.site))).map((item) => [
        identity(item.value),
        item,
      ]),
    );
    const checks = checksByIdentity(report.checks);

    const claims: Claim[] = [];
    const outcomes: PagingOutcome[] = [];
    const claim = async (
      event: Claim['event'],
      check: Check,
      previous: StoredItem<PageState> | undefined,
    ): Promise<void> => {
      const key = pageKey(report.cluster, report.site, check.kind, check.subject);
      let written: StoredItem<PageState> | undefined;
      let claimed: boolean;
      if (event === 'resolved') {
        claimed = await this.store.delete(key, { expectedVersion: previous!.version });
      } else {
        const state: PageState = {
          cluster: report.cluster,
          site: report.site,
          kind: check.kind,
          subject: check.subject,
          since: previous?.value.since ?? nowIso,
          lastPagedAt: nowIso,
          pages: (previous?.value.pages ?? 0) + 1,
          summary: check.summary,
        };
        written = await this.store.put(key, state, {
          expectedVersion: previous?.version ?? 0,
          ttlSeconds: this.ttlSeconds,
        });
        claimed = written !== undefined;
      }
      outcomes.push({ kind: check.kind, subject: check.subject, event, claimed });
      if (claimed) claims.push({ event, key, check, previous, written });
    };

    for (const [id, check] of checks) {
      const previous = stored.get(id);
      if (check.status === 'critical') {
        if (!previous) await claim('critical', check, undefined);
        else if (now - new Date(previous.value.lastPagedAt).getTime() >= this.repageMs)
          await claim('repeat', check, previous);
      } else if (previous) {
        await claim('resolved', check, previous);
      }
    }

    // What stays open after this cycle, for the "also open" line of the messages.
    const resolvedIds = new Set(
      claims.filter((c) => c.event === 'resolved').map((c) => identity(c.previous!.value)),
    );
    const open = [
      ...[...stored.values()].map((item) => item.value).filter((state) => !resolvedIds.has(identity(state))),
      ...claims.filter((c) => c.event === 'critical').map((c) => c.written!.value),
    ];
    const context = {
      report,
      at: nowIso,
      repageMinutes: this.repageMinutes,
      runbookBase: this.runbookBase,
      alsoOpen: open,
    };

    const failures: unknown[] = [];
    let sent = 0;
    const send = async (group: Claim[], message: () => Notification): Promise<void> => {
      if (group.length === 0) return;
      try {
        await this.notifier.notify(message());
        sent += 1;
      } catch (error) {
        failures.push(error);
        await Promise.all(group.map((c) => this.giveBack(c)));
      }
    };
    const items = (event: Claim['event']) =>
      claims
        .filter((c) => c.event === event)
        .map((c): PageItem => ({ check: c.check!, state: c.written!.value }));
    const newGroup = claims.filter((c) => c.event === 'critical');
    const repeatGroup = claims.filter((c) => c.event === 'repeat');
    const resolvedGroup = claims.filter((c) => c.event === 'resolved');
    await send(newGroup, () => pageMessage('critical', items('critical'), context));
    await send(repeatGroup, () => pageMessage('repeat', items('repeat'), context));
    await send(resolvedGroup, () =>
      resolvedMessage(
        resolvedGroup.map((c) => ({ state: c.previous!.value, check: c.check })),
        context,
      ),
    );

    if (failures.length > 0) {
      throw new AlertsError(
        ALERTS_ERROR_CODES.notifyFailed,
        `${failures.length} page message(s) for ${report.cluster}/${report.site} could not be sent (will retry next cycle): ${describeError(failures[0])}`,
        { cause: failures[0] },
      );
    }
    return { outcomes, sent };
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
