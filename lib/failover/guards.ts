import { coordinationStates, describeStates } from './observe.js';
import { replicaWritableReason } from './steps/clickhouse.js';
import { ensembleServing } from './steps/coordination.js';
import type { StepContext } from './types.js';

/**
 * The site the agent observes as primary: its coordination ensemble has the leader and quorum, and its
 * replicas are writable (no readonly table). Null when no site qualifies (or more than one).
 */
export const observePrimary = async (ctx: StepContext): Promise<{ site: string | null; reason: string }> => {
  const found: string[] = [];
  const reasons: string[] = [];
  for (const site of ctx.topology.sites) {
    const states = await coordinationStates(ctx, site.coordination);
    const serving = site.coordination.length > 0 ? ensembleServing(site, states) : 'no coordination nodes';
    if (serving !== null) {
      reasons.push(`${site.name}: ${serving}`);
      continue;
    }
    const writable = await Promise.all(
      site.replicas.map((r) => replicaWritableReason(ctx, r).catch((e: Error) => e.message)),
    );
    const notWritable = writable.filter((w) => w !== null);
    if (notWritable.length === site.replicas.length) {
      reasons.push(`${site.name}: ensemble serves but no replica is writable (${notWritable.join('; ')})`);
      continue;
    }
    found.push(site.name);
    reasons.push(`${site.name}: ${describeStates(states)}, writable replicas`);
  }
  return { site: found.length === 1 ? found[0]! : null, reason: reasons.join('; ') };
};
