import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';
import { KEY_PREFIXES, PAUSE_TTL_MARGIN_SECONDS } from './constants.js';
import { ALERTS_ERROR_CODES, AlertsError } from './errors.js';
import { pauseMessage } from './message.js';
import type { Notifier, Pause } from './types.js';

export interface PausesOptions {
  store: StateStore;
  notifier: Notifier;
  cluster: string;
  clock?: Clock;
}

export const pauseKey = (cluster: string, site: string): string => `${KEY_PREFIXES.pause}${cluster}/${site}`;

const toIso = (value: Date | string, what: string): string => {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new AlertsError(ALERTS_ERROR_CODES.badPause, `${what}: not a time (${String(value)})`);
  return date.toISOString();
};

/**
 * Maintenance pauses per site, kept in the paging state store. A paused site's cycles still run and
 * publish metrics; the pager sends nothing for it. A pause ends by itself at `until`: the first cycle after
 * that says so once (conditional delete, so two overlapping cycles do not both say it).
 */
export class Pauses {
  private readonly store: StateStore;
  private readonly notifier: Notifier;
  private readonly cluster: string;
  private readonly clock: Clock;

  constructor(options: PausesOptions) {
    this.store = options.store;
    this.notifier = options.notifier;
    this.cluster = options.cluster;
    this.clock = options.clock ?? systemClock;
  }

  /** Pauses (or extends the pause of) a site and sends one notice saying who, why and until when. */
  async pauseSite(site: string, until: Date | string, reason: string, who: string): Promise<Pause> {
    const now = this.clock.now();
    const untilIso = toIso(until, '--until');
    if (new Date(untilIso).getTime() <= now) {
      throw new AlertsError(ALERTS_ERROR_CODES.badPause, `--until ${untilIso} is not in the future`);
    }
    if (reason.trim() === '')
      throw new AlertsError(ALERTS_ERROR_CODES.badPause, 'give a --reason for the pause');
    const pause: Pause = {
      cluster: this.cluster,
      site,
      until: untilIso,
      reason,
      who,
      pausedAt: new Date(now).toISOString(),
    };
    const ttlSeconds = Math.ceil((new Date(untilIso).getTime() - now) / 1000) + PAUSE_TTL_MARGIN_SECONDS;
    await this.store.put(pauseKey(this.cluster, site), pause, { ttlSeconds });
    await this.notifier.notify(pauseMessage('paused', pause, pause.pausedAt));
    return pause;
  }

  /** Ends a pause now; sends a notice and returns true when there was one. */
  async resumeSite(site: string, who = 'unknown'): Promise<boolean> {
    const stored = await this.store.get<Pause>(pauseKey(this.cluster, site));
    if (!stored) return false;
    const deleted = await this.store.delete(pauseKey(this.cluster, site), {
      expectedVersion: stored.version,
    });
    if (!deleted) return false;
    if (new Date(stored.value.until).getTime() > this.clock.now()) {
      await this.notifier.notify(
        pauseMessage('resumed', stored.value, new Date(this.clock.now()).toISOString(), who),
      );
    }
    return true;
  }

  /** The pause in force for a site, if any. A pause past its `until` is removed here, with one notice. */
  async activePause(site: string): Promise<Pause | undefined> {
    const stored = await this.store.get<Pause>(pauseKey(this.cluster, site));
    if (!stored) return undefined;
    if (new Date(stored.value.until).getTime() > this.clock.now()) return stored.value;
    if (await this.store.delete(pauseKey(this.cluster, site), { expectedVersion: stored.version })) {
      await this.notifier.notify(
        pauseMessage('pause-ended', stored.value, new Date(this.clock.now()).toISOString()),
      );
    }
    return undefined;
  }

  /** Pauses in force for every site of the cluster (for `chdr status`); does not end expired ones. */
  async listPauses(): Promise<Pause[]> {
    const now = this.clock.now();
    const items = await this.store.list<Pause>(`${KEY_PREFIXES.pause}${this.cluster}/`);
    return items.map((item) => item.value).filter((pause) => new Date(pause.until).getTime() > now);
  }
}
