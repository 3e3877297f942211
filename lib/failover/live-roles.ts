import type { Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import {
  deployedRoles,
  fenceOf,
  liftFence,
  rolesKey,
  writeRoles,
  type ClusterRoles,
  type FenceRecord,
} from '../roles/index.js';
import { siteStores } from './authority.js';
import { coordinationStates } from './observe.js';
import { ensembleNodes } from './membership.js';
import type { FailoverDeps, RunRecord, StepContext } from './types.js';

const VOTING_MODES = new Set(['leader', 'follower', 'standalone']);

/** A later `recover` of the fenced site lifted the fence (a store it could not write may still show it). */
const liftedLater = (fence: FenceRecord, records: readonly ClusterRoles[]): boolean =>
  records.some(
    (r) => r.operation === 'recover' && r.runId !== null && r.runId > fence.runId && r.primary !== fence.site,
  );

/** Fences recorded in any store (the fence step may have reached only one region), latest per site. */
const mergeFences = (records: readonly ClusterRoles[]): FenceRecord[] => {
  const bySite = new Map<string, FenceRecord>();
  for (const fence of records.flatMap((r) => r.fenced)) {
    const known = bySite.get(fence.site);
    if (!liftedLater(fence, records) && (!known || known.at < fence.at)) bySite.set(fence.site, fence);
  }
  return [...bySite.values()];
};

/**
 * The roles as recorded: the newest record of any site's store (a lost region's table is skipped), with
 * the fences of all of them; the deployed roles when none was recorded.
 */
export const readLiveRoles = async (
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  topology: Topology,
): Promise<ClusterRoles> => {
  const records: ClusterRoles[] = [];
  for (const site of topology.sites) {
    const stored = await siteStores(deps)(site.name)
      .get<ClusterRoles>(rolesKey(topology.cluster))
      .catch(() => undefined);
    if (stored) records.push(stored.value);
  }
  // Run ids sort by start time: the record of the latest run is the current one.
  const newest =
    [...records].sort((a, b) => (b.runId ?? '').localeCompare(a.runId ?? ''))[0] ?? deployedRoles(topology);
  return { ...newest, fenced: mergeFences(records) };
};

/** Coordination nodes that vote now (leader, follower, standalone), as observed; the target's nodes if none answers. */
const observedVoters = async (ctx: StepContext): Promise<string[]> => {
  ctx.deadline = ctx.deps.clock.now() + 5_000;
  const states = await coordinationStates(
    ctx,
    // Spares promoted by a failover vote too.
    ctx.topology.sites.flatMap((site) => ensembleNodes(site)),
  );
  const voting = states.filter((s) => VOTING_MODES.has(s.mode)).map((s) => s.node);
  return voting.length > 0 ? voting : ctx.to.coordination.map((node) => node.name);
};

/**
 * Issue 13.1, writer side: after a successful operation, the cluster's roles as they are now, written to
 * every site's store (each region's monitor reads its own table). Keeps the fences; a successful
 * `recover` of a site lifts that site's fence. A store that cannot be written is reported, not thrown.
 * With `onlyIfStale` (an operation found already done) nothing is written when the roles already say so.
 */
export const recordLiveRoles = async (
  ctx: StepContext,
  record: RunRecord,
  deps: Pick<FailoverDeps, 'store' | 'storeOf'>,
  options: { onlyIfStale?: boolean } = {},
): Promise<NonNullable<RunRecord['rolesRecorded']>> => {
  const now = new Date(ctx.deps.clock.now()).toISOString();
  const sites = ctx.topology.sites.map((s) => s.name);
  try {
    const before = await readLiveRoles(deps, ctx.topology);
    // An operation found already done keeps the run that did it, unless that run could not record them.
    const pendingLift = record.kind === 'recover' && fenceOf(before, ctx.from.name) !== undefined;
    if (options.onlyIfStale && before.primary === ctx.to.name && !pendingLift)
      return { written: [], failed: [] };
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
