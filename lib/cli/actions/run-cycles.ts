import { closeCachedConnections } from '../../clickhouse/index.js';
import { findSite, type Topology } from '../../config/index.js';
import { replicaConnector, runCycle, type HealthReport } from '../../cycle/index.js';
import { systemClock } from '../../probe/index.js';

/** Runs one cycle for each named site (all sites when none is named), at once. */
export const runCycles = async (topology: Topology, siteName?: string): Promise<HealthReport[]> => {
  const sites = siteName === undefined ? topology.sites : [findSite(topology, siteName)];
  const connect = await replicaConnector(topology, { env: process.env });
  try {
    return await Promise.all(
      sites.map((site) => runCycle({ topology, siteName: site.name, clock: systemClock, connect })),
    );
  } finally {
    await closeCachedConnections();
  }
};
