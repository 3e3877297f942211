import type { Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { schedulePeriodSeconds } from '../../metrics/schedule.js';
import { readVerdict } from '../../roles/index.js';
import type { StepContext } from '../types.js';

/** A source verdict this many agent cycles old or newer counts as "recently". */
const RECENT_CYCLES = 3;

export interface PartitionEvidence {
  /** Why this looks like a partition rather than a lost region, or null when nothing says so. */
  refusal: string | null;
  note: string;
}

/**
 * Issue 11.3: the source's agent leaves its verdict in the target's store every cycle. When it reported
 * a successful heartbeat write within the last few cycles, the source site serves and only the link
 * between the regions is gone: a new primary would split the brain. Reads the target's store (the one
 * the target region can reach); an unreadable store is said, not taken as "no evidence".
 */
export const partitionEvidence = async (
  ctx: StepContext,
  from: Site,
  to: Site,
): Promise<PartitionEvidence> => {
  const store = ctx.deps.storeOf(to.name);
  let verdict;
  try {
    verdict = await readVerdict(store, ctx.topology.cluster, from.name);
  } catch (error) {
    return {
      refusal: `${from.name}'s agent verdict cannot be read from ${to.name}'s state (${describeError(error)}): a partition cannot be ruled out`,
      note: `${from.name} verdict: read failed`,
    };
  }
  if (!verdict) return { refusal: null, note: `no verdict of ${from.name}'s agent recorded at ${to.name}` };
  const now = ctx.deps.clock.now();
  const windowSeconds = RECENT_CYCLES * schedulePeriodSeconds(ctx.topology.schedule);
  const written = verdict.heartbeatWrittenAt === null ? null : Date.parse(verdict.heartbeatWrittenAt);
  const ago = written === null ? null : Math.round((now - written) / 1000);
  const note = `${from.name}'s agent verdict of ${verdict.at}: ${verdict.writable ? 'writable' : 'not writable'}, heartbeat written ${verdict.heartbeatWrittenAt ?? 'never'}${ago === null ? '' : ` (${ago} s ago)`}`;
  if (verdict.writable && ago !== null && ago <= windowSeconds) {
    return {
      refusal:
        `looks like a partition between the regions, not a lost region: ${from.name} agent wrote its heartbeat at ` +
        `${verdict.heartbeatWrittenAt}, ${ago} s ago (within ${RECENT_CYCLES} agent cycles)`,
      note,
    };
  }
  return { refusal: null, note };
};
