import type { Pager, PagingResult } from '../alerts/index.js';
import type { Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { FenceEnforcement } from '../fence/index.js';
import { runCycle, type Connect, type CycleDeps, type HealthReport } from '../cycle/index.js';
import { parseServerCounterMemory, type ServerCounters } from '../clickhouse/index.js';
import { parseHeartbeatMemory, type HeartbeatMemory } from '../heartbeat/index.js';
import {
  metricDataFromReport,
  schedulePeriodSeconds,
  type MetricsPublisher,
  type PublishedDatum,
} from '../metrics/index.js';
import type { Clock } from '../probe/index.js';
import { readRoles, readVerdict, type ClusterRoles, type SiteVerdict } from '../roles/index.js';
import type { StateStore } from '../state/index.js';
import { leaveVerdict, peerViews, siteVerdictOf, verdictFreshMs } from './verdict.js';

/** Heartbeat memory outlives a cold start; a day of silence makes it stale anyway. */
const HEARTBEAT_MEMORY_TTL_SECONDS = 86_400;

export const heartbeatMemoryKey = (cluster: string, site: string): string => `heartbeat/${cluster}/${site}`;

/** A second look within the same invocation, so that confirming a condition costs seconds, not a period. */
export interface Reprobe {
  afterMs: number;
  sleep(ms: number): Promise<void>;
  /** What the invocation has left for another cycle (the caller keeps its publishing margin back). */
  remainingMs(): number;
}

/** Each replica's system.events counters of the last cycle: counters are judged per cycle. */
export const serverCountersKey = (cluster: string, site: string): string => `counters/${cluster}/${site}`;

export interface AgentDeps {
  topology: Topology;
  siteName: string;
  clock: Clock;
  connect: Connect;
  /** This site's state store (its region's table): roles, paging, heartbeat memory, pauses. */
  store: StateStore;
  publisher: Pick<MetricsPublisher, 'publish'>;
  pager: Pick<Pager, 'process'>;
  deadlineMs?: number;
  probeNode?: CycleDeps['probeNode'];
  /** Keeps a fenced site fenced (lib/fence `enforceFence`), run first in each cycle. */
  fenceGuard?: (siteName: string) => Promise<FenceEnforcement | null>;
  /** Each other site's store, where this agent leaves its verdict; defaults to this site's store (local). */
  peerStore?: (site: string) => StateStore;
  /** How old a peer's verdict may be and still count as a running agent; defaults to the schedule's. */
  verdictFreshMs?: number;
  /** Re-probe once when a condition awaits confirmation (where the schedule is long). */
  reprobe?: Reprobe;
}

export interface AgentCycleResult {
  report: HealthReport;
  datums: PublishedDatum[];
  paging: PagingResult;
  /** What the fence guard did (null: the site is not fenced or no guard), or why it failed. */
  fence?: FenceEnforcement | { failed: string } | null;
  roles: ClusterRoles;
  verdict: SiteVerdict;
  /** Stores the verdict could not be written to (another region's table not answering). */
  verdictFailures: string[];
}

/** The cycle of this site; `serverCounters` holds the last cycle's counters and is updated in place. */
const cycleOf = (
  deps: AgentDeps,
  roles: ClusterRoles,
  memory: HeartbeatMemory | undefined,
  serverCounters: Map<string, ServerCounters>,
) =>
  runCycle({
    topology: deps.topology,
    siteName: deps.siteName,
    clock: deps.clock,
    connect: deps.connect,
    roles,
    serverCounters,
    ...(memory ? { previousHeartbeat: memory } : {}),
    ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
    ...(deps.probeNode ? { probeNode: deps.probeNode } : {}),
  });

/** Runs the cycle and pages; once more after a short wait when something awaits confirmation and time allows. */
const probeAndPage = async (
  deps: AgentDeps,
  roles: ClusterRoles,
  memory: HeartbeatMemory | undefined,
  serverCounters: Map<string, ServerCounters>,
): Promise<{ report: HealthReport; paging: PagingResult }> => {
  const { topology, siteName, store, clock } = deps;
  const freshMs =
    deps.verdictFreshMs ??
    verdictFreshMs(schedulePeriodSeconds(topology.schedule) * 1000, topology.timeouts.cycleMs);
  const page = async (report: HealthReport) =>
    deps.pager.process(report, await peerViews(store, topology, siteName, roles, clock.now(), freshMs));
  const report = await cycleOf(deps, roles, memory, serverCounters);
  const paging = await page(report);
  const { reprobe } = deps;
  const budget = (deps.deadlineMs ?? topology.timeouts.cycleMs) + (reprobe?.afterMs ?? 0);
  if (!reprobe || paging.pending.length === 0 || reprobe.remainingMs() < budget) return { report, paging };
  await reprobe.sleep(reprobe.afterMs);
  const again = await cycleOf(deps, roles, report.heartbeatMemory, serverCounters);
  return { report: again, paging: await page(again) };
};

/**
 * What the scheduled function and `chdr agent` do each cycle: read the live roles once, run the monitoring
 * cycle against them with the heartbeat memory of the last one, page per incident (deferring to a peer agent
 * that has it in hand), publish the metrics in one batch, and leave this site's verdict where the other
 * region reads it.
 */
export const runAgentCycle = async (deps: AgentDeps): Promise<AgentCycleResult> => {
  const { topology, siteName, store } = deps;
  const memoryKey = heartbeatMemoryKey(topology.cluster, siteName);
  // A fenced site stays fenced: whatever of it came back is stopped before anything else.
  const fence = deps.fenceGuard
    ? await deps.fenceGuard(siteName).catch((error: unknown) => ({ failed: describeError(error) }))
    : undefined;
  const countersKey = serverCountersKey(topology.cluster, siteName);
  const [roles, memory, previousVerdict, serverCounters] = await Promise.all([
    readRoles(store, topology),
    store.get(memoryKey).then((item) => parseHeartbeatMemory(item?.value)),
    readVerdict(store, topology.cluster, siteName),
    store.get(countersKey).then((item) => parseServerCounterMemory(item?.value)),
  ]);
  const { report, paging } = await probeAndPage(deps, roles, memory, serverCounters);
  const datums = metricDataFromReport(report);
  const verdict = siteVerdictOf(report, paging, previousVerdict, new Date(deps.clock.now()).toISOString());
  const peerStores = topology.sites
    .filter((site) => site.name !== siteName)
    .map((site) => deps.peerStore?.(site.name) ?? store);
  const [, , , verdictFailures] = await Promise.all([
    store.put(memoryKey, report.heartbeatMemory, { ttlSeconds: HEARTBEAT_MEMORY_TTL_SECONDS }),
    store.put(countersKey, Object.fromEntries(serverCounters), { ttlSeconds: HEARTBEAT_MEMORY_TTL_SECONDS }),
    deps.publisher.publish(datums),
    leaveVerdict(verdict, [...new Set([store, ...peerStores])]),
  ]);
  return {
    report,
    datums,
    paging,
    roles,
    verdict,
    verdictFailures,
    ...(fence === undefined ? {} : { fence }),
  };
};

/** One agent cycle for every site at once, as the local agent, the demo and the benchmark run them. */
export const runAgentCyclesForAllSites = (deps: Omit<AgentDeps, 'siteName'>): Promise<AgentCycleResult[]> =>
  Promise.all(deps.topology.sites.map((site) => runAgentCycle({ ...deps, siteName: site.name })));
