import { describeError } from '../errors/index.js';
import {
  deployedRoles,
  liftFence,
  rolesKey,
  writeRoles,
  type ClusterRoles,
  type FenceRecord,
} from '../roles/index.js';
import { siteStores } from './authority.js';
import { coordinationStates } from './observe.js';
import type { FailoverDeps, RunRecord, StepContext } from './types.js';

const VOTING_MODES = new Set(['leader', 'follower', 'standalone']);

/** Fences recorded in any store (the fence step may have reached only one region), latest per site. */
const mergeFences = (records: readonly ClusterRoles[]): FenceRecord[] => {
  const bySite = new Map<string, FenceRecord>();
  for (const fence of records.flatMap((r) => r.fenced)) {
    const known = bySite.get(fence.site);
    if (!known || known.at < fence.at) bySite.set(fence.site, fence);
  }
  return [...bySite.values()];
};

/** The roles recorded so far: the target's record (else another site's, else the deployed ones), with every fence. */
const currentRoles = async (ctx: StepContext, deps: Pick<FailoverDeps, 'store' | 'storeOf'>) => {
  const sites = [ctx.to.name, ...ctx.topology.sites.map((s) => s.name).filter((s) => s !== ctx.to.name)];
  const records: ClusterRoles[] = [];
  for (const site of sites) {
    const stored = await siteStores(deps)(site)
      .get<ClusterRoles>(rolesKey(ctx.topology.cluster))
      .catch(() => undefined);
    if (stored) records.push(stored.value);
  }
  const base = records[0] ?? deployedRoles(ctx.topology);
  return { ...base, fenced: mergeFences(records) };
};

/** Coordination nodes that vote now (leader, follower, standalone), as observed; the target's nodes if none answers. */
const observedVoters = async (ctx: StepContext): Promise<string[]> => {
  ctx.deadline = ctx.deps.clock.now() + 5_000;
  const states = await coordinationStates(
    ctx,
    ctx.topology.sites.flatMap((site) => site.coordination),
  );
  const voting = states.filter((s) => VOTING_MODES.has(s.mode)).map((s) => s.node);
  return voting.length > 0 ? voting : ctx.to.coordination.map((node) => node.name);
};

/**
 * Issue 13.1, writer side: after a successful operation, the cluster's roles as they are now, written to
 * every site's store (each region's monitor reads its own table). Keeps the fences; a successful
 * `recover` of a site lifts that site's fence. A store that cannot be written is reported, not thrown.
 */
export const recordLiveRoles = async (
  ctx: StepContext,
  record: RunRecord,
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
): Promise<NonNullable<RunRecord['rolesRecorded']>> => {
  const now = new Date(ctx.deps.clock.now()).toISOString();
  const sites = ctx.topology.sites.map((s) => s.name);
  try {
    const before = await currentRoles(ctx, deps);
    const moved = before.primary !== ctx.to.name;
    const roles: ClusterRoles = {
      ...(record.kind === 'recover' ? liftFence(before, ctx.from.name) : before),
      primary: ctx.to.name,
      since: moved || before.runId === null ? now : before.since,
      runId: record.runId,
      operation: record.kind,
      voters: await observedVoters(ctx),
    };
    return await writeRoles(siteStores(deps), sites, roles);
  } catch (error) {
    return { written: [], failed: sites.map((site) => ({ site, reason: describeError(error) })) };
  }
};

/** `primary: standby since 2026-… (run X, failover); fenced: primary` for history and status. */
export const describeRoles = (roles: ClusterRoles): string =>
  `primary: ${roles.primary} since ${roles.since}` +
  (roles.runId ? ` (run ${roles.runId}, ${roles.operation})` : ' (as deployed)') +
  `; voters: ${roles.voters.join(', ') || 'none'}` +
  (roles.fenced.length > 0
    ? `; fenced: ${roles.fenced.map((f) => `${f.site} (${f.method}, run ${f.runId})`).join(', ')}`
    : '');
