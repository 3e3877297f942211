import { Option } from 'commander';
import type { Topology } from '../config/index.js';
import { runCycle, replicaConnector, type HealthReport } from '../cycle/index.js';
import { findSite } from '../config/index.js';
import { systemClock } from '../probe/index.js';
import { closeCachedConnections } from '../clickhouse/index.js';
import { readRoles, type ClusterRoles } from '../roles/index.js';
import { siteStateStore, type StateOptions } from './state-option.js';

/** `--config FILE`, shared by every command that reads a topology. */
export const configOption = () =>
  new Option('-c, --config <file>', 'topology file (YAML or JSON)').default('examples/local.yaml');

/** The live roles as each site's agent reads them (its own store), read once. */
export const rolesBySite = async (
  topology: Topology,
  state: StateOptions,
): Promise<Map<string, ClusterRoles>> =>
  new Map(
    await Promise.all(
      topology.sites.map(
        async (site) =>
          [site.name, await readRoles(siteStateStore(topology, site.name, state), topology)] as const,
      ),
    ),
  );

/**
 * Runs one cycle for each named site (all sites when none is named), at once, each judged against the
 * live roles its agent would read.
 */
export const runCycles = async (
  topology: Topology,
  siteName: string | undefined,
  roles: ReadonlyMap<string, ClusterRoles>,
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
          ...(roles.has(site.name) ? { roles: roles.get(site.name)! } : {}),
        }),
      ),
    );
  } finally {
    await closeCachedConnections();
  }
};
