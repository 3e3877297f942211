import type { ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { clickHouseHasCoordination, renderClickHouseCoordination } from '../clickhouse-config.js';
import { unlistedPartFlags, type TableDivergence } from '../divergence.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { fileModifiedAt, renderCommand, writeNodeFile } from '../host.js';
import { clientEndpoints } from '../membership.js';
import { queryReplica, REPLICAS_SQL, replicaStartedAt, replicaTables, waitUntil } from '../observe.js';
import type { FailoverStep, StepContext } from '../types.js';
import {
  ACTIVE_PARTS_SQL,
  dataPathOf,
  describeDetached,
  forceRestoreFlagPath,
  parseActiveParts,
  partsLeftOut,
  type ActivePart,
  type DetachedParts,
} from '../unexpected-parts.js';
import {
  clickhousePath,
  hostAction,
  readClickHouseConfig,
  restoreFiles,
  startReplica,
  stopReplica,
  writeAction,
  writeClickHouseConfig,
} from './common.js';

/** Null when the replica answers and none of its replicated tables is readonly. */
export const replicaWritableReason = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
): Promise<string | null> => {
  const tables = await replicaTables(ctx, replica);
  const readonly = tables.filter((t) => t.isReadonly);
  return readonly.length === 0
    ? null
    : `${replica.name}: readonly ${readonly.map((t) => `${t.database}.${t.table}`).join(', ')}`;
};

/** Null when the replica's queues are drained and its log pointers are at the log head. */
export const replicaCaughtUpReason = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  /** Per `db.table`, the replication log head seen at the reference replica when the wait began. */
  heads?: ReadonlyMap<string, number>,
): Promise<string | null> => {
  const tables = await replicaTables(ctx, replica);
  // The pointer is the next log entry to read: past the head means every entry that existed then was pulled.
  const beforeHead = (t: (typeof tables)[number]) => {
    const head = heads?.get(`${t.database}.${t.table}`);
    return head !== undefined && head > 0 && t.logPointer <= head;
  };
  // A queue never loaded since the start is not an empty one: replication has not started (e.g. the
  // replica's is_active node from its session in the old ensemble is held until that session expires).
  const behind = tables.filter(
    (t) => t.isReadonly || t.queueNeverLoaded || t.queueSize > 0 || t.logLag > 0 || beforeHead(t),
  );
  const state = (t: (typeof tables)[number]) =>
    t.isReadonly ? ', readonly' : t.queueNeverLoaded ? ', replication not started (queue never loaded)' : '';
  return behind.length === 0
    ? null
    : `${replica.name}: ${behind.map((t) => `${t.database}.${t.table} queue ${t.queueSize}, log pointer ${t.logPointer}/${heads?.get(`${t.database}.${t.table}`) ?? t.logMaxIndex}${state(t)}`).join('; ')}`;
};

/**
 * The replication log head of every table at the first reachable replica of `site`. A replica that has
 * only just started may show an empty queue before it has pulled the log: waiting for its pointer to pass
 * these heads is the barrier that proves it fetched what was written before.
 */
const logHeads = async (ctx: StepContext, site: Site): Promise<Map<string, number> | undefined> => {
  for (const replica of site.replicas) {
    try {
      const tables = await replicaTables(ctx, replica);
      return new Map(tables.map((t) => [`${t.database}.${t.table}`, t.logMaxIndex]));
    } catch {
      // try the next replica
    }
  }
  ctx.note(`no replica of ${site.name} answered: waiting for drained queues only`);
  return undefined;
};

/**
 * Whether the server answers at all, asked without touching ZooKeeper: system.replicas reads it, and while
 * a lost ensemble's sessions expire that read can outlast the request. A running replica taken for a
 * stopped one got no force_restore_data flag and then refused to start against the new ensemble.
 */
const reachable = async (ctx: StepContext, replica: ReplicaEndpoint): Promise<boolean> => {
  try {
    await replicaStartedAt(ctx, replica);
    return true;
  } catch {
    return false;
  }
};

/** Whether the running server has read the current file: it started after the file last changed. */
const runsCurrentConfig = async (ctx: StepContext, replica: ReplicaEndpoint): Promise<boolean> => {
  const [modifiedAt, startedAt] = await Promise.all([
    fileModifiedAt(ctx, replica, 'clickhouse', clickhousePath(ctx, replica)),
    replicaStartedAt(ctx, replica).catch(() => undefined),
  ]);
  return modifiedAt !== undefined && startedAt !== undefined && startedAt >= modifiedAt;
};

/** Writes `force_restore_data`: the next start detaches the parts the ensemble does not list. */
const writeForceRestoreFlag = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  flagPath: string,
  why: string,
): Promise<void> => {
  await writeNodeFile(ctx, replica, 'writeClickHouseCoordinationConfig', 'clickhouse', flagPath, '');
  ctx.note(`${replica.name}: ${flagPath} written (${why})`);
};

/**
 * Before a replica restarts against a new ensemble: its active parts are listed, and when it holds any the
 * `force_restore_data` flag is written under its data path, so that parts the ensemble never recorded are
 * detached instead of keeping the server from starting.
 */
const flagForceRestore = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  partsBefore: Map<string, ActivePart[]>,
): Promise<void> => {
  const parts = parseActiveParts(await queryReplica<unknown>(ctx, replica, ACTIVE_PARTS_SQL));
  if (parts.length === 0) return;
  const dataPath = dataPathOf(parts[0]!);
  if (dataPath === undefined)
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `${replica.name}: the data path cannot be told from system.parts (${parts[0]!.path}); write ` +
        '<path>/flags/force_restore_data by hand and run the same command again',
    );
  partsBefore.set(replica.name, parts);
  await writeForceRestoreFlag(ctx, replica, forceRestoreFlagPath(dataPath), `${parts.length} active parts`);
};

/**
 * Before a stopped old replica rejoins: the flag for the replicas the divergence step found holding parts
 * the new ensemble does not list under them (their rows held by the new primary: listed in place of the parts
 * a merge covers, or fetched again after the start).
 */
const flagUnlistedParts = async (ctx: StepContext, replicas: readonly ReplicaEndpoint[]): Promise<void> => {
  const flags = unlistedPartFlags((ctx.facts['divergence'] as TableDivergence[] | undefined) ?? []);
  for (const replica of replicas) {
    const flagPath = flags.get(replica.name);
    if (flagPath !== undefined)
      await writeForceRestoreFlag(
        ctx,
        replica,
        flagPath,
        'it holds parts the new ensemble does not list under it',
      );
  }
};

/** After the restart: every part that left the active set uncovered is named, with its rows (journal facts). */
const countDetachedParts = async (
  ctx: StepContext,
  partsBefore: Map<string, ActivePart[]>,
): Promise<void> => {
  const detached: DetachedParts[] = [];
  for (const [name, before] of partsBefore) {
    const replica = ctx.topology.sites.flatMap((s) => s.replicas).find((r) => r.name === name)!;
    const after = parseActiveParts(await queryReplica<unknown>(ctx, replica, ACTIVE_PARTS_SQL));
    detached.push(...partsLeftOut(name, before, after));
  }
  partsBefore.clear();
  for (const d of detached) ctx.note(describeDetached(d));
  if (detached.length > 0)
    ctx.facts.unexpectedParts = [
      ...((ctx.facts.unexpectedParts as DetachedParts[] | undefined) ?? []),
      ...detached,
    ];
};

/** Whether a replica runs with `ensembleOf`'s coordination nodes in its current config and is writable. */
export const replicaServesWith = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  ensembleOf: Site,
): Promise<boolean> => {
  const text = await readClickHouseConfig(ctx, replica);
  if (text === null || !clickHouseHasCoordination(text, clientEndpoints(ensembleOf))) return false;
  try {
    return (await runsCurrentConfig(ctx, replica)) && (await replicaWritableReason(ctx, replica)) === null;
  } catch {
    return false;
  }
};

/**
 * Points `replicasOf`'s ClickHouse replicas at `ensembleOf`'s coordination nodes: rewrites the
 * `<zookeeper>` section, restarts the server (18.16 reads it only at start; restart also where a server
 * still runs an older file), and waits until no replicated table is readonly.
 */
export const repointReplicasStep = (
  replicasOf: Site,
  ensembleOf: Site,
  options: {
    id: string;
    title: string;
    /** A new ensemble: parts it never recorded are detached (force_restore_data) and counted. */
    restoreUnexpectedParts?: boolean;
    /** Recovery: the parts the divergence step found unlisted are detached (force_restore_data). */
    restoreUnlistedParts?: boolean;
  },
): FailoverStep => {
  // Per replica, its active parts before the restart (filled by `run`, compared by `verify`).
  const partsBefore = new Map<string, ActivePart[]>();
  const endpoints = () => clientEndpoints(ensembleOf);
  const summary = () =>
    endpoints()
      .map((e) => `${e.host}:${e.port}`)
      .join(', ');
  const replicaDone = (ctx: StepContext, replica: ReplicaEndpoint) =>
    replicaServesWith(ctx, replica, ensembleOf);
  return {
    id: options.id,
    title: options.title,
    kind: 'change',
    async plan(ctx) {
      return replicasOf.replicas.flatMap((replica) => [
        ...writeAction(ctx, replica, 'clickhouse', `<zookeeper> nodes ${summary()}`),
        ...(options.restoreUnexpectedParts
          ? [
              { target: replica.name, via: 'sql' as const, text: ACTIVE_PARTS_SQL },
              {
                target: replica.name,
                via: 'host' as const,
                text: 'write <path>/flags/force_restore_data when it holds parts (those the ensemble lacks are detached, counted)',
              },
            ]
          : []),
        ...(options.restoreUnlistedParts
          ? [
              {
                target: replica.name,
                via: 'host' as const,
                text: 'write <path>/flags/force_restore_data when it holds parts the new ensemble does not list under it (found by the divergence step; listed in place of the parts a merge covers, or detached by ClickHouse and fetched again)',
              },
            ]
          : []),
        hostAction(replica.name, renderCommand(ctx, 'stopClickHouse', 'clickhouse', replica)),
        hostAction(replica.name, renderCommand(ctx, 'startClickHouse', 'clickhouse', replica)),
        { target: replica.name, via: 'sql' as const, text: `${REPLICAS_SQL} (until no is_readonly)` },
      ]);
    },
    async isDone(ctx) {
      for (const replica of replicasOf.replicas) if (!(await replicaDone(ctx, replica))) return false;
      return true;
    },
    async run(ctx) {
      const files = (ctx.undo.files ??= []);
      const restart: ReplicaEndpoint[] = [];
      // A rollback starts again only the replicas that ran before (a recovered site's stay stopped).
      const running: string[] = [];
      for (const replica of replicasOf.replicas)
        if (await reachable(ctx, replica)) running.push(replica.name);
      (ctx.undo.data ??= {})['running'] = running;
      for (const replica of replicasOf.replicas) {
        if (await replicaDone(ctx, replica)) {
          ctx.note(`${replica.name} already uses ${summary()}`);
          continue;
        }
        const current = await readClickHouseConfig(ctx, replica);
        if (current === null || !clickHouseHasCoordination(current, endpoints())) {
          files.push({
            node: replica.name,
            kind: 'clickhouse',
            path: clickhousePath(ctx, replica),
            before: current,
          });
          await writeClickHouseConfig(
            ctx,
            replica,
            renderClickHouseCoordination(
              current,
              endpoints(),
              `coordination of ${ensembleOf.name} (run ${ctx.runId})`,
            ),
          );
        }
        restart.push(replica);
      }
      if (options.restoreUnexpectedParts)
        for (const replica of restart.filter((r) => running.includes(r.name)))
          await flagForceRestore(ctx, replica, partsBefore);
      if (options.restoreUnlistedParts)
        await flagUnlistedParts(
          ctx,
          restart.filter((r) => !running.includes(r.name)),
        );
      // Replicas restart side by side: each is independent, and 18.16 needs ~8 s to leave readonly.
      await Promise.all(
        restart.map(async (replica) => {
          await stopReplica(ctx, replica);
          await startReplica(ctx, replica);
        }),
      );
      return { notes: [`replicas of ${replicasOf.name} -> ${summary()}`] };
    },
    async verify(ctx) {
      for (const replica of replicasOf.replicas) {
        await waitUntil(ctx, `${replica.name} writable (no readonly table)`, () =>
          replicaWritableReason(ctx, replica),
        );
      }
      await countDetachedParts(ctx, partsBefore);
    },
    async undo(ctx, record) {
      await restoreFiles(ctx, record, replicasOf.replicas);
      const rewritten = replicasOf.replicas.filter((replica) =>
        (record.files ?? []).some((f) => f.node === replica.name),
      );
      for (const replica of rewritten) await stopReplica(ctx, replica);
      const running = record.data?.['running'] as string[] | undefined;
      const restart = rewritten.filter((r) => running === undefined || running.includes(r.name));
      // 18.16 will not start while the ensemble of its restored config is down: start once every step is undone.
      await ctx.defer(async () => {
        for (const replica of restart) await startReplica(ctx, replica);
        for (const replica of restart) {
          await waitUntil(ctx, `${replica.name} answering again`, async () => {
            await replicaTables(ctx, replica);
            return null;
          });
        }
      });
    },
  };
};

/**
 * Recovery: waits until `site`'s rejoined replicas have fetched everything `reference` (the serving
 * primary) had logged when the wait began, and their queues are drained.
 */
export const catchUpStep = (site: Site, reference: Site): FailoverStep => ({
  id: `catch-up-${site.name}`,
  title: `Wait until ${site.name}'s replicas have caught up with ${reference.name} (log pulled, queues drained)`,
  kind: 'check',
  async plan() {
    return site.replicas.map((replica) => ({
      target: replica.name,
      via: 'sql' as const,
      text: `${REPLICAS_SQL} (until log_pointer passes ${reference.name}'s log_max_index and queue_size = 0 everywhere)`,
    }));
  },
  async run() {
    return {};
  },
  async verify(ctx) {
    const heads = await logHeads(ctx, reference);
    for (const replica of site.replicas) {
      await waitUntil(ctx, `${replica.name} caught up`, () => replicaCaughtUpReason(ctx, replica, heads));
    }
  },
});

/** Stops a site's replicas (failback/switchover: writes there are refused from now on, not lost). */
export const stopReplicasStep = (
  site: Site,
  doneWhen: (ctx: StepContext) => Promise<boolean>,
): FailoverStep => {
  return {
    id: `stop-replicas-${site.name}`,
    title: `Stop ${site.name}'s ClickHouse replicas (new writes there are refused)`,
    kind: 'change',
    async plan(ctx) {
      return site.replicas.map((replica) =>
        hostAction(replica.name, renderCommand(ctx, 'stopClickHouse', 'clickhouse', replica)),
      );
    },
    async isDone(ctx) {
      if (await doneWhen(ctx)) return true;
      for (const replica of site.replicas) if (await reachable(ctx, replica)) return false;
      return true;
    },
    async run(ctx) {
      ctx.undo.data = { stopped: site.replicas.map((r) => r.name) };
      await Promise.all(site.replicas.map((replica) => stopReplica(ctx, replica)));
      return {};
    },
    async verify(ctx) {
      for (const replica of site.replicas) {
        await waitUntil(ctx, `${replica.name} stopped`, async () =>
          (await reachable(ctx, replica)) ? `${replica.name} still answers` : null,
        );
      }
    },
    async undo(ctx) {
      for (const replica of site.replicas) await startReplica(ctx, replica);
      for (const replica of site.replicas) {
        await waitUntil(ctx, `${replica.name} answering again`, async () => {
          try {
            await replicaTables(ctx, replica);
            return null;
          } catch (error) {
            return describeError(error);
          }
        });
      }
    },
  };
};
