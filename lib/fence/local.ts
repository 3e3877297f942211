import { describeError } from '../errors/index.js';
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
