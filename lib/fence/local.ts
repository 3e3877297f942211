import type { Topology } from '../config/index.js';
import type { Connect } from '../cycle/index.js';
import { describeError } from '../errors/index.js';
import { sendFourLetterWord } from '../keeper/index.js';
import { systemClock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';
import { answeringNodes, enforceFence, type FenceEnforcement, type FenceGuardDeps } from './enforce.js';
import { dirname, resolve } from 'node:path';
import { fenceLocalNodes, readState } from '../localcluster/index.js';
import type { FenceOutcome, FenceTarget, InstanceFenceOptions, InstanceFencer } from './types.js';

const PROBE_MS = 1_500;

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

/**
 * The fence guard of `chdr agent` on the local cluster: finds the fenced site's nodes that answer,
 * SIGKILLs them (with the marker), prints the page.
 */
export const localFenceGuard = (options: {
  topology: Topology;
  clusterDir: string;
  store: StateStore;
  connect: Connect;
  write: (text: string) => void;
}): ((siteName: string) => Promise<FenceEnforcement | null>) => {
  const fencer = new LocalPidFencer(options.clusterDir);
  const deps: FenceGuardDeps = {
    topology: options.topology,
    store: options.store,
    clock: systemClock,
    findRunning: (nodes) =>
      answeringNodes(nodes, {
        ruok: async (node) =>
          (
            await sendFourLetterWord({ host: node.host, port: node.clientPort }, 'ruok', {
              timeoutMs: PROBE_MS,
            })
          ).ok,
        select1: async (replica) => {
          await options.connect(replica).queryRows('SELECT 1 AS one', { timeoutMs: PROBE_MS });
          return true;
        },
      }),
    fenceNodes: (nodes, fence) =>
      fencer.fence(
        nodes.map((n) => ({ name: n.name, region: fence.site })),
        { runId: fence.runId, note: `still fenced (run ${fence.runId}): found running`, timeoutMs: 30_000 },
      ),
    notify: async (subject, body) => options.write(`\n[PAGE] ${subject}\n${body}\n`),
  };
  return (siteName) => enforceFence(deps, siteName);
};
