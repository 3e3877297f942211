import type { CoordinationNode, ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import type { FenceOutcome } from '../../fence/types.js';
import {
  addFence,
  FENCE_METHODS,
  fenceOf,
  readRoles,
  removeFence,
  type FenceMethod,
  type FenceRecord,
} from '../../roles/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { renderCommand, runOnNode } from '../host.js';
import { coordinationStates, queryReplica } from '../observe.js';
import type { FailoverStep, PlannedAction, StepContext } from '../types.js';
import { hostAction } from './common.js';
import { describeOverride, judgeRefusals } from './refusals.js';

type SourceNode = CoordinationNode | ReplicaEndpoint;

/** One fence command may take this long: an unreachable host must not eat the step's whole budget. */
const FENCE_COMMAND_TIMEOUT_MS = 30_000;

const nodesOf = (site: Site): SourceNode[] => [...site.replicas, ...site.coordination];
const isCoordination = (node: SourceNode): node is CoordinationNode => 'clientPort' in node && 'kind' in node;
const kindOf = (node: SourceNode) => (isCoordination(node) ? node.kind : 'clickhouse');

const fenceCommand = (ctx: StepContext, node: SourceNode, name: 'fenceNode' | 'unfenceNode'): string =>
  renderCommand(ctx, name, kindOf(node), node);

/** Whether the node still answers: a 4lw `srvr` or a `SELECT 1`. A fenced node must not. */
const answers = async (ctx: StepContext, node: SourceNode): Promise<boolean> => {
  if (isCoordination(node)) return (await coordinationStates(ctx, [node]))[0]!.reachable;
  try {
    await queryReplica(ctx, node, 'SELECT 1 AS one');
    return true;
  } catch {
    return false;
  }
};

/** Stops and disables a node through the executor (the marker first); confirmed when it no longer answers. */
const fenceThroughExecutor = async (ctx: StepContext, node: SourceNode): Promise<FenceOutcome> => {
  const bounded = {
    ...ctx,
    deadline: Math.min(ctx.deadline, ctx.deps.clock.now() + FENCE_COMMAND_TIMEOUT_MS),
  };
  try {
    await runOnNode(bounded, node, fenceCommand(ctx, node, 'fenceNode'), `fencing ${node.name}`);
  } catch (error) {
    return { node: node.name, confirmed: false, reason: describeError(error) };
  }
  return (await answers(ctx, node))
    ? { node: node.name, confirmed: false, reason: 'the fence command succeeded but the node still answers' }
    : { node: node.name, confirmed: true, detail: 'stopped and disabled through the executor' };
};

/** The hosts the executor could not fence, stopped through the instance fencer (EC2 or local pids). */
const fenceInstances = async (
  ctx: StepContext,
  site: Site,
  nodes: readonly SourceNode[],
): Promise<FenceOutcome[]> => {
  const fencer = ctx.deps.fencer;
  if (nodes.length === 0) return [];
  if (!fencer)
    return nodes.map((n) => ({ node: n.name, confirmed: false, reason: 'no instance fencer configured' }));
  return fencer.fence(
    nodes.map((n) => ({
      name: n.name,
      region: site.region,
      ...(n.instanceId ? { instanceId: n.instanceId } : {}),
    })),
    {
      runId: ctx.runId,
      note: `forced failover to ${ctx.to.name}`,
      timeoutMs: Math.max(1_000, ctx.deadline - ctx.deps.clock.now()),
      ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
    },
  );
};

/** The weakest evidence names the fence: an acknowledgement, then a stopped instance, then the executor. */
const methodOf = (
  ctx: StepContext,
  byInstance: readonly FenceOutcome[],
  acknowledged: boolean,
): FenceMethod => {
  if (acknowledged) return FENCE_METHODS.acknowledged;
  if (!byInstance.some((o) => o.confirmed)) return FENCE_METHODS.stoppedAndDisabled;
  return ctx.deps.fencer?.kind === 'local-pid' ? FENCE_METHODS.processKilled : FENCE_METHODS.instanceStopped;
};

const describeOutcome = (o: FenceOutcome): string =>
  `${o.node}: ${o.confirmed ? o.detail : `NOT confirmed (${o.reason})`}`;

/**
 * Fencing (issue 11.1, STONITH), before the new ensemble forms: the old site's coordination nodes and
 * replicas are stopped and disabled through the executor (the boot guard marker first), and the hosts the
 * executor cannot reach are stopped below the services (EC2 force stop in the old region; locally SIGKILL
 * of the recorded pids, which also ends a frozen process). A host confirmed by neither stops the run
 * unless the operator says what was done by hand (`--fence-unconfirmed`). The fence is recorded in the
 * roles of every site's store; the target's must take it. A rollback lifts it again (the failover did not
 * happen); after the point of no return only `chdr recover` does.
 */
export const fenceSourceStep = (from: Site, to: Site): FailoverStep => ({
  id: `fence-${from.name}`,
  title: `Fence ${from.name}: stop and disable its coordination and replicas (or stop its instances) before ${to.name} takes writes`,
  kind: 'change',
  async plan(ctx) {
    const actions: PlannedAction[] = nodesOf(from).map((n) =>
      hostAction(n.name, fenceCommand(ctx, n, 'fenceNode')),
    );
    actions.push(
      {
        target: from.name,
        via: 'aws',
        text: `hosts the executor cannot fence: ${ctx.deps.fencer?.kind === 'ec2' ? `EC2 StopInstances Force=true in ${from.region}, until stopping/stopped` : ctx.deps.fencer ? 'SIGKILL of the recorded pids, fence marker' : 'no instance fencer: refuse unless --fence-unconfirmed'}`,
      },
      {
        target: to.name,
        via: 'aws',
        text: `fence record of ${from.name} into the roles of every site's state store`,
      },
    );
    return actions;
  },
  async isDone(ctx) {
    const store = ctx.deps.storeOf(to.name);
    return fenceOf(await readRoles(store, ctx.topology), from.name) !== undefined;
  },
  async run(ctx) {
    const byExecutor = await Promise.all(nodesOf(from).map((node) => fenceThroughExecutor(ctx, node)));
    const left = nodesOf(from).filter((n) => !byExecutor.find((o) => o.node === n.name)?.confirmed);
    const byInstance = await fenceInstances(ctx, from, left);
    const outcomes = [...byExecutor.filter((o) => o.confirmed), ...byInstance];
    const unconfirmed = outcomes.filter((o) => !o.confirmed);
    const overrides = judgeRefusals(
      ctx,
      unconfirmed.length === 0
        ? []
        : [
            {
              problem: `${from.name} could not be fenced: ${unconfirmed.map(describeOutcome).join('; ')}; stop those hosts by hand (power off, detach the network) and say what you did`,
              override: 'fenceUnconfirmed',
            },
          ],
    );
    const fence: FenceRecord = {
      site: from.name,
      nodes: nodesOf(from).map((n) => n.name),
      method: methodOf(ctx, byInstance, overrides.length > 0),
      runId: ctx.runId,
      at: new Date(ctx.deps.clock.now()).toISOString(),
      by: ctx.request.startedBy ?? 'unknown',
      ...(ctx.request.fenceUnconfirmed ? { note: ctx.request.fenceUnconfirmed } : {}),
    };
    const written = await addFence(ctx.deps.storeOf, ctx.topology, fence);
    if (!written.written.includes(to.name)) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.stepFailed,
        `the fence of ${from.name} could not be recorded at ${to.name}: ${written.failed.map((f) => `${f.site}: ${f.reason}`).join('; ')}`,
      );
    }
    return {
      notes: [
        ...outcomes.map(describeOutcome),
        ...overrides.map(describeOverride),
        `fence recorded at ${written.written.join(', ')}${written.failed.length > 0 ? `; not at ${written.failed.map((f) => `${f.site} (${f.reason})`).join(', ')}` : ''}`,
      ],
      facts: { fence, ...(overrides.length > 0 ? { fenceOverrides: overrides } : {}) },
    };
  },
  async undo(ctx) {
    // Rolled back, the failover did not happen: the old site may serve again once it comes back.
    const failed: string[] = [];
    for (const node of nodesOf(from)) {
      const result = await runOnNode(
        ctx,
        node,
        fenceCommand(ctx, node, 'unfenceNode'),
        `lifting the fence of ${node.name}`,
        {
          allowFailure: true,
        },
      ).catch((error: unknown) => ({ exitCode: -1, stderr: describeError(error), stdout: '' }));
      if (result.exitCode !== 0)
        failed.push(`${node.name}: ${(result.stderr || result.stdout).trim().slice(0, 200)}`);
    }
    const removed = await removeFence(ctx.deps.storeOf, ctx.topology, from.name);
    failed.push(...removed.failed.map((f) => `fence record at ${f.site}: ${f.reason}`));
    if (failed.length > 0)
      throw new FailoverError(
        FAILOVER_ERROR_CODES.stepFailed,
        `${from.name} stays fenced where the fence could not be lifted (${failed.join('; ')}); lift it with chdr recover`,
      );
  },
  async verify(ctx) {
    const fence = ctx.facts.fence as FenceRecord | undefined;
    if (fence?.method === FENCE_METHODS.acknowledged) return;
    const still = [];
    for (const node of nodesOf(from)) if (await answers(ctx, node)) still.push(node.name);
    if (still.length > 0)
      throw new FailoverError(
        FAILOVER_ERROR_CODES.verifyFailed,
        `fenced nodes of ${from.name} still answer: ${still.join(', ')}`,
      );
  },
});

/**
 * Recover: lifts the fence of the old site before its nodes rejoin: the fence record leaves the roles of
 * every site's store (the returning site's agent stops fencing them) and each node's boot guard is lifted
 * (marker removed, services enabled). The target's store must take it.
 */
export const liftFenceStep = (follower: Site, primary: Site): FailoverStep => ({
  id: `unfence-${follower.name}`,
  title: `Lift the fence of ${follower.name} (roles record and boot guard) so that its nodes can rejoin`,
  kind: 'change',
  async plan(ctx) {
    return [
      {
        target: primary.name,
        via: 'aws' as const,
        text: `remove the fence of ${follower.name} from the roles of every site's state store`,
      },
      ...nodesOf(follower).map((n) => hostAction(n.name, fenceCommand(ctx, n, 'unfenceNode'))),
    ];
  },
  async run(ctx) {
    // Saved before anything changes: a rollback puts the fence back where it was lifted.
    const fence = fenceOf(await readRoles(ctx.deps.storeOf(primary.name), ctx.topology), follower.name);
    const lifted: string[] = [];
    ctx.undo.data = { ...(fence ? { fence } : {}), lifted };
    const removed = await removeFence(ctx.deps.storeOf, ctx.topology, follower.name);
    if (!removed.written.includes(primary.name)) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.stepFailed,
        `the fence of ${follower.name} could not be lifted at ${primary.name}: ${removed.failed.map((f) => `${f.site}: ${f.reason}`).join('; ')}`,
      );
    }
    for (const node of nodesOf(follower)) {
      // Counted before the command: one that fails half-way may have lifted the guard already.
      lifted.push(node.name);
      await runOnNode(ctx, node, fenceCommand(ctx, node, 'unfenceNode'), `lifting the fence of ${node.name}`);
    }
    return {
      notes: [
        `fence record removed at ${removed.written.join(', ')}${removed.failed.length > 0 ? `; not at ${removed.failed.map((f) => `${f.site} (${f.reason})`).join(', ')}` : ''}`,
      ],
    };
  },
  async verify() {},
  async undo(ctx, record) {
    // Rolled back, the old site stays fenced as the failover left it: boot guards and the fence record.
    const lifted = new Set((record.data?.lifted as string[] | undefined) ?? []);
    const fence = record.data?.fence as FenceRecord | undefined;
    // The boot guard names the run that fenced the site, not this one.
    const fencedBy = fence ? { ...ctx, runId: fence.runId } : ctx;
    for (const node of nodesOf(follower).filter((n) => lifted.has(n.name)))
      await runOnNode(ctx, node, fenceCommand(fencedBy, node, 'fenceNode'), `fencing ${node.name} again`);
    if (!fence) return;
    const written = await addFence(ctx.deps.storeOf, ctx.topology, fence);
    if (!written.written.includes(primary.name))
      throw new FailoverError(
        FAILOVER_ERROR_CODES.stepFailed,
        `the fence of ${follower.name} could not be put back at ${primary.name}: ${written.failed.map((f) => `${f.site}: ${f.reason}`).join('; ')}`,
      );
  },
});
