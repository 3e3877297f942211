import type { Pager, PagingResult } from '../alerts/index.js';
import type { Topology } from '../config/index.js';
import { runCycle, type Connect, type CycleDeps, type HealthReport } from '../cycle/index.js';
import { parseServerCounterMemory } from '../clickhouse/index.js';
import { parseHeartbeatMemory } from '../heartbeat/index.js';
import { metricDataFromReport, type MetricsPublisher, type PublishedDatum } from '../metrics/index.js';
import type { Clock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';

/** Heartbeat memory outlives a cold start; a day of silence makes it stale anyway. */
const HEARTBEAT_MEMORY_TTL_SECONDS = 86_400;

export const heartbeatMemoryKey = (cluster: string, site: string): string => `heartbeat/${cluster}/${site}`;

/** Each replica's system.events counters of the last cycle: counters are judged per cycle. */
export const serverCountersKey = (cluster: string, site: string): string => `counters/${cluster}/${site}`;

export interface AgentDeps {
  topology: Topology;
  siteName: string;
  clock: Clock;
  connect: Connect;
  store: StateStore;
  publisher: Pick<MetricsPublisher, 'publish'>;
  pager: Pick<Pager, 'process'>;
  deadlineMs?: number;
  probeNode?: CycleDeps['probeNode'];
}

export interface AgentCycleResult {
  report: HealthReport;
  datums: PublishedDatum[];
  paging: PagingResult;
}

/**
 * What the scheduled function and `chdr agent` do each cycle: run the monitoring cycle with the heartbeat
 * memory of the last one, publish its metrics in one batch, and page on transitions.
 */
export const runAgentCycle = async (deps: AgentDeps): Promise<AgentCycleResult> => {
  const { topology, siteName, store } = deps;
  const memoryKey = heartbeatMemoryKey(topology.cluster, siteName);
  const countersKey = serverCountersKey(topology.cluster, siteName);
  const [storedMemory, storedCounters] = await Promise.all([store.get(memoryKey), store.get(countersKey)]);
  const previous = parseHeartbeatMemory(storedMemory?.value);
  const serverCounters = parseServerCounterMemory(storedCounters?.value);
  const report = await runCycle({
    topology,
    siteName,
    clock: deps.clock,
    connect: deps.connect,
    serverCounters,
    ...(previous ? { previousHeartbeat: previous } : {}),
    ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
    ...(deps.probeNode ? { probeNode: deps.probeNode } : {}),
  });
  const datums = metricDataFromReport(report);
  const [, , , paging] = await Promise.all([
    store.put(memoryKey, report.heartbeatMemory, { ttlSeconds: HEARTBEAT_MEMORY_TTL_SECONDS }),
    store.put(countersKey, Object.fromEntries(serverCounters), { ttlSeconds: HEARTBEAT_MEMORY_TTL_SECONDS }),
    deps.publisher.publish(datums),
    deps.pager.process(report),
  ]);
  return { report, datums, paging };
};

/** One agent cycle for every site at once, as the local agent, the demo and the benchmark run them. */
export const runAgentCyclesForAllSites = (deps: Omit<AgentDeps, 'siteName'>): Promise<AgentCycleResult[]> =>
  Promise.all(deps.topology.sites.map((site) => runAgentCycle({ ...deps, siteName: site.name })));
