import { closeCachedConnections } from '../../clickhouse/index.js';
import { findSite, type Topology } from '../../config/index.js';
import { replicaConnector, runCycle, type HealthReport } from '../../cycle/index.js';
import { systemClock } from '../../probe/index.js';
import { readRoles, type ClusterRoles } from '../../roles/index.js';
import type { StateOptions } from '../state-option.js';
import { siteStateStore } from './state-store.js';

/** The live roles as each site's agent reads them (its own store), read once. */
export const rolesBySite = async (
  topology: Topology,
  state: StateOptions,
): Promise<Map<string, ClusterRoles>> =>
  new Map(
    await Promise.all(
      topology.sites.map(
        async (site) =>
          [site.name, await readRoles(await siteStateStore(topology, site.name, state), topology)] as const,
      ),
    ),
  );

/**
 * Runs one cycle for each named site (all sites when none is named), at once, each judged against the
 * live roles its agent would read; `zxid` also reads every coordination node's zxid.
 */
export const runCycles = async (
  topology: Topology,
  siteName: string | undefined,
  roles: ReadonlyMap<string, ClusterRoles>,
  { zxid = false }: { zxid?: boolean } = {},
): Promise<HealthReport[]> => {
  const sites = siteName === undefined ? topology.sites : [findSite(topology, siteName)];
  const connect = await replicaConnector(topology, { env: process.env });
  try {
    return await Promise.all(
      sites.map((site) =>
        runCycle({
          topology,
          siteName: site.name,
          clock: systemClock,
          connect,
          zxid,
          ...(roles.has(site.name) ? { roles: roles.get(site.name)! } : {}),
        }),
      ),
    );
  } finally {
    await closeCachedConnections();
  }
};
