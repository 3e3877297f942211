import type { CoordinationNode, ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { ensembleNodes } from '../membership.js';
import {
  coordinationStates,
  describeStates,
  execReplica,
  heartbeatInsertSql,
  heartbeatLagSql,
  INSERTS_RUNNING_SQL,
  queryReplica,
  REPLICAS_SQL,
  waitUntil,
  type CoordinationState,
} from '../observe.js';
import type { FailoverStep, StepContext } from '../types.js';
import { replicaCaughtUpReason, replicaWritableReason } from './clickhouse.js';
import { commandAction, startCoordination, stopCoordination } from './common.js';
import { ensembleServing, isLeader } from './coordination.js';
import {
  estimateDataLoss,
  LOG_GAP_SQL,
  NEWEST_QUEUE_ENTRY_SQL,
  parseReplicaQueues,
  PENDING_FETCHES_SQL,
  REPLICA_QUEUES_SQL,
  type LossEstimate,
} from './data-loss.js';
import { partitionEvidence } from './partition.js';
import { describeOverride, judgeRefusals, type Refusal } from './refusals.js';

const tryReplica = async <T>(
  action: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> => {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
};

const stateSummary = (states: readonly CoordinationState[]) =>
  Object.fromEntries(
    states.map((s) => [s.node, { mode: s.mode, zxid: s.zxid === null ? null : `0x${s.zxid.toString(16)}` }]),
  );

/** The coordination refusals: a forced failover needs the source's ensemble leaderless, a planned move serving. */
const coordinationRefusals = (
  from: Site,
  to: Site,
  mode: 'forced' | 'graceful',
  fromStates: readonly CoordinationState[],
  toStates: readonly CoordinationState[],
  /** Re-checked on resume after this run fenced the source: the target's ensemble may be mid-rebuild. */
  targetRebuilding = false,
): Refusal[] => {
  const refusals: Refusal[] = [];
  const fromLeader = fromStates.find((s) => isLeader(from, s));
  if (mode === 'forced' && fromLeader) {
    refusals.push({
      problem:
        `${from.name}'s ensemble still has a leader (${fromLeader.node}): a new ensemble at ${to.name} would split the brain; ` +
        `stop ${from.name}'s coordination first (it is fenced by this failover only once leaderless), or use switchover/failback for a planned move`,
      override: null,
    });
  }
  if (mode === 'graceful' && !fromLeader) {
    refusals.push({
      problem: `${from.name}'s ensemble has no leader (${describeStates(fromStates)}): a planned move needs it serving; use failover`,
      override: null,
    });
  }
  if (to.coordination.length > 0 && !targetRebuilding && toStates.every((s) => !s.reachable)) {
    refusals.push({
      problem: `no coordination node at ${to.name} answers (${describeStates(toStates)})`,
      override: null,
    });
  }
  return refusals;
};

/** The target's replicas: at least one answers, and none is still taking INSERTs. Reads need no ZooKeeper. */
const targetReplicaRefusals = async (
  ctx: StepContext,
  to: Site,
): Promise<{ refusals: Refusal[]; notes: string[]; states: Record<string, unknown> }> => {
  const refusals: Refusal[] = [];
  const notes: string[] = [];
  const states: Record<string, unknown> = {};
  for (const replica of to.replicas) {
    const queues = await tryReplica(async () =>
      parseReplicaQueues(await queryReplica<Record<string, unknown>>(ctx, replica, REPLICA_QUEUES_SQL)),
    );
    if (!queues.ok) {
      notes.push(`${replica.name}: system.replicas read failed: ${queues.reason}`);
      states[replica.name] = { readFailed: queues.reason };
      continue;
    }
    states[replica.name] = {
      tables: queues.value.length,
      readonly: queues.value.filter((t) => t.readonly).length,
      queueSize: queues.value.reduce((sum, t) => sum + t.queueSize, 0),
    };
    const inserts = await tryReplica(() =>
      queryReplica<{ inserts: string | number }>(ctx, replica, INSERTS_RUNNING_SQL),
    );
    if (inserts.ok && Number(inserts.value[0]?.inserts ?? 0) > 0) {
      refusals.push({
        problem: `${replica.name} is processing ${inserts.value[0]?.inserts} INSERT queries: writes still reach ${to.name}`,
        override: 'acceptRunningInserts',
      });
    } else if (!inserts.ok) notes.push(`${replica.name}: running INSERTs read failed: ${inserts.reason}`);
  }
  if (Object.values(states).every((state) => 'readFailed' in (state as object))) {
    refusals.push({ problem: `no replica of ${to.name} can be read (${notes.join('; ')})`, override: null });
  }
  return { refusals, notes, states };
};

/** The data-loss gate of a forced failover (issue 11.4): estimated from what was known at the silence. */
const dataLossRefusals = (ctx: StepContext, from: Site, to: Site, estimate: LossEstimate): Refusal[] => {
  const tables = estimate.tables
    .map(
      (t) =>
        `${t.table}: ${t.parts} parts${t.rows === null ? '' : ` (${t.rows} rows)`}${t.logEntries ? ` + ${t.logEntries} log entries` : ''}`,
    )
    .join(', ');
  if (estimate.seconds === null) {
    return [
      {
        problem: `the data loss cannot be estimated: ${[estimate.basis, ...estimate.failedReads].join('; ')}`,
        override: 'acceptDataLoss',
      },
    ];
  }
  if (estimate.seconds <= ctx.settings.maxLagSeconds) return [];
  return [
    {
      problem:
        `${to.name} is estimated to miss ${estimate.seconds} s of ${from.name}'s writes, more than failover.maxLagSeconds ` +
        `(${ctx.settings.maxLagSeconds} s): ${tables || 'no table named'} (${estimate.basis})`,
      override: 'acceptDataLoss',
    },
  ];
};

/**
 * Preflight (Altinity DR guide, Failover step 1, and issue 11's refusals): the target answers, no INSERT
 * runs on its replicas, and the source's role is what this kind of operation expects: a forced failover
 * refuses while the source ensemble still has a leader (a split brain; no override), when the source's
 * agent wrote its heartbeat recently (a partition), and when the target is estimated to miss more than
 * `maxLagSeconds` of writes; a planned move needs the source serving. Each refusal names its own
 * override; overrides used are journaled with who gave them. Records the starting state and the RPO.
 */
export const preflightStep = (from: Site, to: Site, mode: 'forced' | 'graceful'): FailoverStep => ({
  id: 'preflight',
  title: `Preflight: ${to.name} reachable and recent enough, ${mode === 'forced' ? `${from.name}'s ensemble down` : `${from.name} serving`}`,
  kind: 'check',
  async plan(ctx) {
    return [
      ...to.replicas.map((r) => ({ target: r.name, via: 'sql' as const, text: REPLICA_QUEUES_SQL })),
      ...to.replicas.map((r) => ({ target: r.name, via: 'sql' as const, text: INSERTS_RUNNING_SQL })),
      ...[...from.coordination, ...to.coordination].map((n) => ({
        target: n.name,
        via: '4lw' as const,
        text: 'srvr',
      })),
      ...(mode === 'forced'
        ? [
            ...to.replicas.flatMap((r) =>
              [PENDING_FETCHES_SQL, NEWEST_QUEUE_ENTRY_SQL, heartbeatLagSql(ctx, from.name), LOG_GAP_SQL].map(
                (text) => ({ target: r.name, via: 'sql' as const, text }),
              ),
            ),
            {
              target: to.name,
              via: 'aws' as const,
              text: `state store of ${to.name}: verdicts of ${from.name}'s and ${to.name}'s agents`,
            },
          ]
        : []),
    ];
  },
  async run(ctx) {
    const notes: string[] = [];
    const [fromStates, toStates] = await Promise.all([
      coordinationStates(ctx, from.coordination),
      coordinationStates(ctx, to.coordination),
    ]);
    notes.push(`coordination: ${describeStates([...fromStates, ...toStates])}`);
    const target = await targetReplicaRefusals(ctx, to);
    notes.push(...target.notes);
    // A resumed run killed while rebuilding the target's ensemble finds it down by its own doing.
    const rebuilding = (ctx.facts.fence as { runId?: string } | undefined)?.runId === ctx.runId;
    const refusals = [
      ...coordinationRefusals(from, to, mode, fromStates, toStates, rebuilding),
      ...target.refusals,
    ];
    let estimate: LossEstimate | null = null;
    if (mode === 'forced') {
      const partition = await partitionEvidence(ctx, from, to);
      notes.push(partition.note);
      if (partition.refusal) refusals.push({ problem: partition.refusal, override: 'confirmRegionLost' });
      estimate = await estimateDataLoss(ctx, from, to);
      notes.push(
        `RPO estimate: ${estimate.seconds ?? 'unknown'} s (${estimate.basis})`,
        ...estimate.failedReads,
      );
      refusals.push(...dataLossRefusals(ctx, from, to, estimate));
    }
    const overrides = judgeRefusals(ctx, refusals);
    notes.push(...overrides.map(describeOverride));
    return {
      notes,
      facts: {
        startingState: {
          coordination: stateSummary([...fromStates, ...toStates]),
          replicas: target.states,
          at: new Date(ctx.deps.clock.now()).toISOString(),
        },
        ...(estimate
          ? {
              rpoSeconds: estimate.seconds,
              rpoBasis: estimate.basis,
              dataLossEstimate: { replica: estimate.replica, tables: estimate.tables },
            }
          : {}),
        ...(overrides.length > 0 ? { overrides } : {}),
      },
    };
  },
  async verify() {},
});

/**
 * Verify: a heartbeat insert at the new primary succeeds, `/replicas_status`
 * is ok on every replica there, and the ensemble has a leader and quorum. Records when the site became
 * writable (RTO).
 */
export const verifyWritableStep = (site: Site): FailoverStep => ({
  id: `verify-${site.name}`,
  title: `Verify ${site.name} is the primary: heartbeat insert, /replicas_status, leader and quorum`,
  kind: 'check',
  async plan(ctx) {
    return [
      ...site.replicas
        .slice(0, 1)
        .map((r) => ({ target: r.name, via: 'sql' as const, text: heartbeatInsertSql(ctx, site.name) })),
      ...site.replicas.map((r) => ({
        target: r.name,
        via: 'http' as const,
        text: 'GET /replicas_status (until 200 Ok.)',
      })),
      ...site.coordination.map((n) => ({
        target: n.name,
        via: '4lw' as const,
        text: 'srvr, mntr (one leader, quorum)',
      })),
    ];
  },
  async run(ctx) {
    let written: ReplicaEndpoint | undefined;
    await waitUntil(ctx, `a heartbeat insert accepted at ${site.name}`, async () => {
      const failures: string[] = [];
      for (const replica of site.replicas) {
        try {
          await execReplica(ctx, replica, heartbeatInsertSql(ctx, site.name));
          written = replica;
          return null;
        } catch (error) {
          failures.push(describeError(error));
        }
      }
      return failures.join('; ');
    });
    const writableAt = ctx.deps.clock.now();
    return { notes: [`heartbeat written at ${written?.name}`], facts: { writableAt } };
  },
  async verify(ctx) {
    for (const replica of site.replicas) {
      await waitUntil(ctx, `${replica.name} /replicas_status ok`, async () => {
        const reply = await ctx.deps.connect(replica).replicasStatus({ verbose: false, timeoutMs: 3_000 });
        return reply.httpStatus === 200 && !/read.?only/i.test(reply.body)
          ? null
          : `${reply.httpStatus} ${reply.body.trim().slice(0, 200)}`;
      });
      const reason = await replicaWritableReason(ctx, replica);
      if (reason) throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, reason);
    }
    if (site.coordination.length > 0) {
      const states = await coordinationStates(ctx, site.coordination);
      const reason = ensembleServing(site, states);
      if (reason) throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, reason);
      ctx.note(`ensemble: ${describeStates(states)}`);
    }
  },
});

/** Recovery preflight: the serving site has a leader and writable replicas. */
export const recoverPreflightStep = (follower: Site, primary: Site): FailoverStep => ({
  id: 'preflight',
  title: `Preflight: ${primary.name} serves (leader, writable replicas) before ${follower.name} rejoins`,
  kind: 'check',
  async plan() {
    return [
      ...primary.coordination.map((n) => ({ target: n.name, via: '4lw' as const, text: 'srvr' })),
      ...primary.replicas.map((r) => ({ target: r.name, via: 'sql' as const, text: REPLICAS_SQL })),
    ];
  },
  async run(ctx) {
    const problems: string[] = [];
    const states = await coordinationStates(ctx, primary.coordination);
    const reason = ensembleServing(primary, states);
    if (reason) problems.push(reason);
    for (const replica of primary.replicas) {
      const writable = await tryReplica(() => replicaWritableReason(ctx, replica));
      if (!writable.ok) problems.push(`${replica.name}: ${writable.reason}`);
      else if (writable.value) problems.push(writable.value);
    }
    if (problems.length > 0) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.refused,
        `refused (nothing changed): ${primary.name} is not serving as primary: ${problems.join('; ')} (no override)`,
      );
    }
    return { notes: [`serving: ${describeStates(states)}`], facts: { startingState: stateSummary(states) } };
  },
  async verify() {},
});

/** Planned moves: waits until the target's replicas have every part and log entry (queues drained). */
export const targetCaughtUpStep = (to: Site): FailoverStep => ({
  id: `caught-up-${to.name}`,
  title: `Wait until ${to.name}'s replicas have caught up (queues drained, log pointers at the head)`,
  kind: 'check',
  async plan() {
    return to.replicas.map((r) => ({
      target: r.name,
      via: 'sql' as const,
      text: `${REPLICAS_SQL} (until queue_size = 0, no log lag)`,
    }));
  },
  async run() {
    return {};
  },
  async verify(ctx) {
    for (const replica of to.replicas)
      await waitUntil(ctx, `${replica.name} caught up`, () => replicaCaughtUpReason(ctx, replica));
  },
});

/**
 * Planned moves: the target's observers have every transaction of the source ensemble (their zxid has
 * reached the leader's), then the source's coordination nodes are stopped so that the old ensemble
 * cannot accept anything more (fencing). The new ensemble is built from the observers' data next.
 */
export const fenceSourceCoordinationStep = (
  from: Site,
  to: Site,
  doneWhen: (ctx: StepContext) => Promise<boolean>,
): FailoverStep => ({
  id: `stop-coordination-${from.name}`,
  title: `Let ${to.name}'s observers reach ${from.name}'s last transaction, then stop ${from.name}'s coordination nodes`,
  kind: 'change',
  async plan(ctx) {
    return [
      ...from.coordination.map((n) => ({
        target: n.name,
        via: '4lw' as const,
        text: 'srvr (the leader zxid)',
      })),
      ...to.coordination.map((n) => ({
        target: n.name,
        via: '4lw' as const,
        text: 'srvr (until zxid >= the leader zxid)',
      })),
      ...from.coordination.map((n) => commandAction(ctx, 'stopCoordination', n)),
    ];
  },
  async isDone(ctx) {
    if (await doneWhen(ctx)) return true;
    return (await coordinationStates(ctx, from.coordination)).every((s) => !s.reachable);
  },
  async run(ctx) {
    const leader = (await coordinationStates(ctx, ensembleNodes(from))).find(
      (s) => s.mode === 'leader' && s.zxid !== null,
    );
    if (leader) {
      const target = leader.zxid!;
      await waitUntil(ctx, `${to.name}'s observers at zxid 0x${target.toString(16)}`, async () => {
        const states = await coordinationStates(ctx, to.coordination);
        const behind = states.filter((s) => s.zxid === null || s.zxid < target);
        return behind.length === 0 ? null : `behind: ${describeStates(behind)}`;
      });
      ctx.note(`observers reached 0x${target.toString(16)} of ${leader.node}`);
    }
    ctx.undo.data = { stopped: from.coordination.map((n) => n.name) };
    // Spares promoted by an earlier failover to `from` stop too: they are spares again.
    for (const node of ensembleNodes(from)) await stopCoordination(ctx, node);
    return {};
  },
  async verify(ctx) {
    await waitUntil(ctx, `${from.name}'s coordination stopped`, async () => {
      const up = (await coordinationStates(ctx, from.coordination)).filter((s) => s.reachable);
      return up.length === 0 ? null : `still answering: ${describeStates(up)}`;
    });
  },
  async undo(ctx) {
    for (const node of from.coordination) await startCoordination(ctx, node as CoordinationNode);
    await waitUntil(ctx, `${from.name}'s ensemble serving again`, async () =>
      ensembleServing(from, await coordinationStates(ctx, from.coordination)),
    );
  },
});
