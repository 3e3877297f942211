import { Option } from 'commander';
import type { Topology } from '../config/index.js';
import { runCycle, replicaConnector, type HealthReport } from '../cycle/index.js';
import { findSite } from '../config/index.js';
import { systemClock } from '../probe/index.js';
import { closeCachedConnections } from '../clickhouse/index.js';

/** `--config FILE`, shared by every command that reads a topology. */
export const configOption = () =>
  new Option('-c, --config <file>', 'topology file (YAML or JSON)').default('examples/local.yaml');

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
