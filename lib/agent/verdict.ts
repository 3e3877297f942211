import type { PagingResult, PeerView } from '../alerts/index.js';
import type { Topology } from '../config/index.js';
import type { HealthReport } from '../cycle/index.js';
import { isCheckOf, type Check } from '../health/index.js';
import { readVerdict, writeVerdict, type ClusterRoles, type SiteVerdict } from '../roles/index.js';
import { describeError } from '../errors/index.js';
import type { StateStore } from '../state/index.js';

/**
 * What this agent leaves for the other region's agent and for the failover preflight. The lag per source
 * is the one measured while the source's heartbeat still advanced: once it stalls, the last good figure
 * is kept (it estimates the data lost), not replaced by a number that only grows with the clock.
 */
export const siteVerdictOf = (
  report: Pick<HealthReport, 'cluster' | 'site'> & { checks: readonly Check[] },
  paging: Pick<PagingResult, 'open' | 'pending'>,
  previous: SiteVerdict | undefined,
  at: string,
): SiteVerdict => {
  const write = report.checks.find((check) => check.kind === 'heartbeat-write');
  const writable = write?.status === 'ok';
  const lagSeconds: Record<string, number | null> = { ...previous?.lagSeconds };
  for (const lag of report.checks.filter(isCheckOf('heartbeat-lag'))) {
    const advancing = lag.values.unchangedCycles === 0;
    const measured = lag.values.lagSeconds;
    if (advancing && measured !== null) lagSeconds[lag.subject] = measured;
    else lagSeconds[lag.subject] ??= null;
  }
  return {
    cluster: report.cluster,
    site: report.site,
    at,
    writable,
    heartbeatWrittenAt: writable ? at : (previous?.heartbeatWrittenAt ?? null),
    lagSeconds,
    openIncidents: paging.open,
    pendingIncidents: paging.pending,
  };
};

/**
 * How long a peer's verdict is trusted as proof that its agent runs and pages: two schedule periods and a
 * cycle. Older, and this agent pages shared incidents itself (the peer's region may be gone).
 */
export const verdictFreshMs = (periodMs: number, cycleMs: number): number => 2 * periodMs + cycleMs;

/** The other sites' agents as seen from the verdicts they left in this agent's store. */
export const peerViews = async (
  store: StateStore,
  topology: Topology,
  self: string,
  roles: ClusterRoles,
  now: number,
  freshMs: number,
): Promise<PeerView[]> => {
  const others = topology.sites.filter((site) => site.name !== self);
  return Promise.all(
    others.map(async (site): Promise<PeerView> => {
      const verdict = await readVerdict(store, topology.cluster, site.name);
      return {
        site: site.name,
        owner: roles.primary === site.name,
        fresh: verdict !== undefined && now - new Date(verdict.at).getTime() <= freshMs,
        open: verdict?.openIncidents ?? [],
        pending: verdict?.pendingIncidents ?? [],
      };
    }),
  );
};

/**
 * Leaves the verdict in this site's own store (the memory of the last good lag) and in every other
 * site's store, where that region's agent and failover preflight read it. A store that does not answer
 * (its region may be down) is reported, not thrown: the cycle's own work is done.
 */
export const leaveVerdict = async (
  verdict: SiteVerdict,
  stores: readonly StateStore[],
): Promise<string[]> => {
  const failures = await Promise.all(
    stores.map((store) =>
      writeVerdict(store, verdict).then(
        () => null,
        (error: unknown) => describeError(error),
      ),
    ),
  );
  return failures.filter((failure): failure is string => failure !== null);
};
