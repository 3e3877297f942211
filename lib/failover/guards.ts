import { coordinationStates, describeStates } from './observe.js';
import { replicaWritableReason } from './steps/clickhouse.js';
import { ensembleServing } from './steps/coordination.js';
import { listAllRuns } from './authority.js';
import { ROLE_MOVING_KINDS, RUN_RESULTS } from './constants.js';
import type { FailoverDeps, OperationKind, StepContext } from './types.js';

const isRoleMoving = (kind: OperationKind): boolean =>
  (ROLE_MOVING_KINDS as readonly string[]).includes(kind);

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

/** The anti-flapping block period (issue 8): the last role move of any site's journal ended too recently. */
const blockPeriodRefusal = async (
  ctx: StepContext,
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
): Promise<string | null> => {
  const { topology, request } = ctx;
  const minutes = topology.failover.blockPeriodMinutes;
  if (!isRoleMoving(request.kind) || request.ackRecent || minutes <= 0) return null;
  const { runs } = await listAllRuns(
    deps,
    topology.sites.map((s) => s.name),
  );
  const last = runs
    .filter((run) => isRoleMoving(run.kind) && run.result === RUN_RESULTS.succeeded && run.endedAt)
    .sort((a, b) => a.endedAt!.localeCompare(b.endedAt!))
    .at(-1);
  if (!last) return null;
  const blockEnds = Date.parse(last.endedAt!) + minutes * 60_000;
  if (blockEnds <= ctx.deps.clock.now()) return null;
  return (
    `refused (nothing changed): run ${last.runId} (${last.kind} ${last.from}->${last.to}) finished at ${last.endedAt}; ` +
    `the anti-flapping block period (${minutes} min) ends at ${new Date(blockEnds).toISOString()}; pass --ack-recent to proceed`
  );
};

/** `--expect-primary`: refuses unless the site observed as primary now is the one named. */
export const expectedPrimaryRefusal = async (ctx: StepContext): Promise<string | null> => {
  const expected = ctx.request.expectPrimary;
  if (!expected) return null;
  ctx.deadline = ctx.deps.clock.now() + 10_000;
  const observed = await observePrimary(ctx);
  return observed.site === expected
    ? null
    : `refused (nothing changed): --expect-primary ${expected}, but the observed primary is ${observed.site ?? 'none'} (${observed.reason})`;
};

/** The guard rails checked before a new run changes anything. Returns why it refuses, or null. */
export const guardRefusal = async (
  ctx: StepContext,
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
): Promise<string | null> => (await blockPeriodRefusal(ctx, deps)) ?? (await expectedPrimaryRefusal(ctx));
