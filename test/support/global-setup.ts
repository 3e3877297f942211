import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeError } from '../../lib/errors/index.js';
import { down, up } from '../../lib/localcluster/index.js';

/**
 * globalSetup of the `integration` project: one local two-site cluster for every integration file,
 * in .chdr/test-cluster with its own port base, so a cluster someone runs with the default ports (the
 * demo) stays untouched. `npm test` installed the servers already (pretest). A server that does not
 * start fails the whole run with its log tail; nothing is skipped.
 */

/** HTTP 10123-10125, native 11001-11003, ZooKeeper 13811-13814 / 14881-14884 / 15881-15884: below the ephemeral range. */
const TEST_PORT_BASE = 10_000;
const TEST_CLUSTER_DIR = '.chdr/test-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test cluster's directory, for readState/stopNode/startNode/... */
    clusterDir: string;
    /** Its chdr topology file (loadTopology). */
    topologyPath: string;
    clusterPortBase: number;
  }
}

const log = (message: string): void => {
  process.stderr.write(`[test cluster] ${message}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = resolve(process.env.CHDR_TEST_CLUSTER_DIR ?? TEST_CLUSTER_DIR);
  const portBase = Number(process.env.CHDR_TEST_PORT_BASE ?? TEST_PORT_BASE);
  // Whatever an interrupted earlier run left behind goes first: every run starts from empty data.
  await down({ dir });
  let result: Awaited<ReturnType<typeof up>>;
  try {
    result = await up({ dir, portBase, timeoutMs: 90_000, onProgress: (message) => log(message) });
  } catch (error) {
    log(`could not start the local cluster in ${dir}:\n${describeError(error)}`);
    await down({ dir }).catch((cleanup: unknown) => log(`cleanup failed too: ${describeError(cleanup)}`));
    throw error;
  }
  log(`up in ${(result.elapsedMs / 1000).toFixed(1)} s (port base ${portBase}, ${dir})`);
  project.provide('clusterDir', dir);
  project.provide('topologyPath', result.state.topologyPath);
  project.provide('clusterPortBase', portBase);
  return async () => {
    const stopped = await down({ dir });
    log(`down in ${(stopped.elapsedMs / 1000).toFixed(1)} s (${stopped.stopped.length} servers stopped)`);
  };
}
