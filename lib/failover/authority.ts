import { describeError } from '../errors/index.js';
import type { StateStore } from '../state/index.js';
import { STATE_KEYS } from './constants.js';
import { listRuns, type OpenRun } from './journal.js';
import type { LockValue } from './lock.js';
import type { FailoverDeps, OperationRequest, RunRecord } from './types.js';

/**
 * One authority per run (issue 11.5): the lock, the journal and the open-run marker of an operation live
 * in the TARGET site's store (its region's table). The target must be up for the operation to make
 * sense, so its table is the one that answers when the other region is lost, and the CLI and both
 * regions' failover functions all find the same lock there. Locally one file serves every site.
 */
export const siteStores = (deps: Pick<FailoverDeps, 'store' | 'storeOf'>) => (site: string) =>
  deps.storeOf?.(site) ?? deps.store;

export const authorityOf = (
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  request: Pick<OperationRequest, 'to'>,
): StateStore => siteStores(deps)(request.to);

/** The other sites whose store is not the authority itself (none locally). */
const peers = (
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  sites: readonly string[],
  authority: StateStore,
): { site: string; store: StateStore }[] =>
  sites.map((site) => ({ site, store: siteStores(deps)(site) })).filter((p) => p.store !== authority);

export interface PeerCheck {
  /** Why another site's store forbids this run now, or null. */
  refusal: string | null;
  /** Stores that could not be read (a lost region's table): said in the journal, not a refusal. */
  unreadable: string[];
}

/**
 * Best effort: a run held or open in another site's store (an operation towards the other site, started
 * before this site became the target). A conditional lock is only safe within one table, so this check
 * narrows the window rather than closing it; an unreadable store is reported, not taken as "no run".
 */
export const checkPeerStores = async (
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  sites: readonly string[],
  authority: StateStore,
  runId: string,
): Promise<PeerCheck> => {
  const result: PeerCheck = { refusal: null, unreadable: [] };
  for (const { site, store } of peers(deps, sites, authority)) {
    try {
      const lock = (await store.get<LockValue>(STATE_KEYS.lock))?.value;
      if (lock && lock.runId !== runId) {
        result.refusal =
          `another failover run holds the lock in ${site}'s state: ${lock.holder} since ${lock.since} ` +
          `(run ${lock.runId}, ${lock.operation}); wait for it to finish`;
        return result;
      }
      const open = (await store.get<OpenRun>(STATE_KEYS.open))?.value;
      if (open && open.runId !== runId) {
        result.refusal =
          `run ${open.runId} (${open.kind} ${open.from}->${open.to}) is unfinished since ${open.since} in ${site}'s state: ` +
          `resume it with \`chdr ${open.kind} --from ${open.from} --to ${open.to} --execute\``;
        return result;
      }
    } catch (error) {
      result.unreadable.push(`${site}'s state could not be read (${describeError(error)})`);
    }
  }
  return result;
};

/** Every run in every site's store, oldest first; stores that do not answer are named. */
export const listAllRuns = async (
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  sites: readonly string[],
): Promise<{ runs: RunRecord[]; unreadable: { site: string; reason: string }[] }> => {
  const seen = new Set<StateStore>();
  const runs = new Map<string, RunRecord>();
  const unreadable: { site: string; reason: string }[] = [];
  for (const site of sites) {
    const store = siteStores(deps)(site);
    if (seen.has(store)) continue;
    seen.add(store);
    try {
      for (const run of await listRuns(store)) runs.set(run.runId, run);
    } catch (error) {
      unreadable.push({ site, reason: describeError(error) });
    }
  }
  return {
    runs: [...runs.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
    unreadable,
  };
};
