import type { Topology } from '../config/index.js';
import type { Connect } from '../cycle/index.js';
import { describeError } from '../errors/index.js';
import type { StateStore } from '../state/index.js';
import { createFenceGuard, type FenceEnforcement } from './enforce.js';
import { dirname, resolve } from 'node:path';
import { fenceLocalNodes, readState } from '../localcluster/index.js';
import type { FenceOutcome, FenceTarget, InstanceFenceOptions, InstanceFencer } from './types.js';

/**
 * The local cluster's instance stop: SIGKILL of the recorded pids (a frozen, SIGSTOPped process dies
 * too), with the fence marker that keeps `chdr cluster start` from bringing the node back.
 */
export class LocalPidFencer implements InstanceFencer {
  readonly kind = 'local-pid';

  constructor(private readonly clusterDir: string) {}

  async fence(targets: readonly FenceTarget[], options: InstanceFenceOptions): Promise<FenceOutcome[]> {
    try {
      const results = await fenceLocalNodes(
        this.clusterDir,
        targets.map((t) => t.name),
        { runId: options.runId, at: new Date().toISOString(), note: options.note },
      );
      return results.map((r) =>
        r.confirmed
          ? { node: r.node, confirmed: true, detail: r.killed ? 'process SIGKILLed' : 'no process running' }
          : { node: r.node, confirmed: false, reason: 'process still running after SIGKILL' },
      );
    } catch (error) {
      return targets.map((t) => ({ node: t.name, confirmed: false, reason: describeError(error) }));
    }
  }
}

/** The local fencer when the topology file lies in a local cluster's directory (`chdr cluster up` wrote it). */
export const localFencerFor = async (topologyPath: string): Promise<LocalPidFencer | undefined> => {
  const dir = dirname(resolve(topologyPath));
  try {
    await readState(dir);
    return new LocalPidFencer(dir);
  } catch {
    return undefined;
  }
};

/** The fence guard of `chdr agent` on the local cluster: SIGKILLs what answers, prints the page. */
export const localFenceGuard = (options: {
  topology: Topology;
  clusterDir: string;
  store: StateStore;
  connect: Connect;
  write: (text: string) => void;
}): ((siteName: string) => Promise<FenceEnforcement | null>) =>
  createFenceGuard({
    ...options,
    fencer: new LocalPidFencer(options.clusterDir),
    notify: async (subject, body) => options.write(`\n[PAGE] ${subject}\n${body}\n`),
  });
