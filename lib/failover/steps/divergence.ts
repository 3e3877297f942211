/**
 * Recovery keeps what only the old primary had. Before its replicas rejoin, each is started standalone
 * (no `<zookeeper>` section) and its parts are compared with the new primary's. Parts the new ensemble
 * never heard of would be thrown out (or stop the server) on rejoin: their rows are copied into a side
 * table and the parts moved to `detached/`, and `--reinsert-divergent` puts the rows back at the new
 * primary as a step of its own. A part the old site merged from blocks the new primary holds and blocks
 * it lacks is kept in a table of its own and never put back: its rows cannot be told apart by block.
 */

import { qualifiedName, quoteIdentifier, quoteString } from '../../clickhouse/index.js';
import type { ReplicaEndpoint, Site } from '../../config/index.js';
import { describeError } from '../../errors/index.js';
import { clickHouseIsStandalone, renderClickHouseStandalone } from '../clickhouse-config.js';
import {
  compareTable,
  describeDivergence,
  hasDifference,
  knownPartsSql,
  measuredLoss,
  MIXED_TABLE_MARK,
  parsePartRows,
  parseReplicatedTables,
  PARTS_SQL,
  REPLICATED_TABLES_SQL,
  sideTableName,
  SIDE_TABLE_MARK,
  type EnsembleListing,
  type PartInfo,
  type ReplicatedTable,
  type TableDivergence,
} from '../divergence.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { renderCommand, runOnNode } from '../host.js';
import { listRuns } from '../journal.js';
import { execReplica, queryReplica, replicaTables, waitUntil } from '../observe.js';
import type { FailoverStep, StepContext } from '../types.js';
import { replicaServesWith } from './clickhouse.js';
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

/** Rows moved per INSERT when putting divergent rows back (one block each: a retried chunk is deduplicated). */
const REINSERT_CHUNK_ROWS = 10_000;

const tableSql = (t: { database: string; table: string }) => qualifiedName(t.database, t.table);

const sideSql = (name: string): string => {
  const [database, ...rest] = name.split('.');
  return qualifiedName(database!, rest.join('.'));
};

/** Whether a ZooKeeper path exists in the ensemble `replica` uses (each level looked up in its parent). */
const zooKeeperPathExists = async (ctx: StepContext, replica: ReplicaEndpoint, path: string) => {
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i += 1) {
    const parent = `/${parts.slice(0, i).join('/')}`;
    const rows = await queryReplica<{ n: number | string }>(
      ctx,
      replica,
      `SELECT count() AS n FROM system.zookeeper WHERE path = ${quoteString(parent)} AND name = ${quoteString(parts[i]!)}`,
    );
    if (Number(rows[0]?.n ?? 0) === 0) return false;
  }
  return true;
};

/** The parts the new ensemble lists under the old replica of `table` (empty when it never heard of it). */
const knownParts = async (
  ctx: StepContext,
  reference: ReplicaEndpoint,
  table: ReplicatedTable,
): Promise<Set<string>> => {
  if (
    !(await zooKeeperPathExists(ctx, reference, `${table.zookeeperPath}/replicas/${table.replicaName}/parts`))
  )
    return new Set();
  const rows = await queryReplica<{ name: string }>(ctx, reference, knownPartsSql(table));
  return new Set(rows.map((row) => row.name));
};

/** The first replica of the serving primary that answers: the reference of the comparison. */
const referenceReplica = async (ctx: StepContext, primary: Site): Promise<ReplicaEndpoint> => {
  const reasons: string[] = [];
  for (const replica of primary.replicas) {
    try {
      await replicaTables(ctx, replica);
      return replica;
    } catch (error) {
      reasons.push(describeError(error));
    }
  }
  throw new FailoverError(
    FAILOVER_ERROR_CODES.verifyFailed,
    `no replica of ${primary.name} answers, so what only the old primary had cannot be told: ${reasons.join('; ')}`,
  );
};

/** The first Date/DateTime column of a table and the range of the divergent rows in it. */
const timeRange = async (ctx: StepContext, replica: ReplicaEndpoint, t: TableDivergence) => {
  const columns = await queryReplica<{ name: string }>(
    ctx,
    replica,
    `SELECT name FROM system.columns WHERE database = ${quoteString(t.database)} AND table = ${quoteString(t.table)} AND type LIKE 'Date%' LIMIT 1`,
  );
  const column = columns[0]?.name;
  if (!column) return undefined;
  const parts = t.divergent.map((p) => quoteString(p.name)).join(', ');
  const rows = await queryReplica<{ from: string; to: string }>(
    ctx,
    replica,
    `SELECT toString(min(${quoteIdentifier(column)})) AS from, toString(max(${quoteIdentifier(column)})) AS to FROM ${tableSql(t)} WHERE _part IN (${parts})`,
  );
  return rows[0] ? { column, from: rows[0].from, to: rows[0].to } : undefined;
};

const rowCount = async (ctx: StepContext, replica: ReplicaEndpoint, table: string): Promise<number> => {
  const rows = await queryReplica<{ n: number | string }>(ctx, replica, `SELECT count() AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
};

/**
 * Copies the rows of `parts` into the plain MergeTree table `side` on the old replica, checked by count.
 * A table left by an earlier attempt with another count is refused, never dropped.
 */
const copyParts = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  t: TableDivergence,
  parts: readonly { name: string; rows: number }[],
  side: string,
) => {
  const expected = parts.reduce((n, p) => n + p.rows, 0);
  await execReplica(
    ctx,
    replica,
    `CREATE TABLE IF NOT EXISTS ${sideSql(side)} AS ${tableSql(t)} ENGINE = MergeTree ORDER BY tuple()`,
  );
  if ((await rowCount(ctx, replica, sideSql(side))) === 0) {
    const names = parts.map((p) => quoteString(p.name)).join(', ');
    await execReplica(
      ctx,
      replica,
      `INSERT INTO ${sideSql(side)} SELECT * FROM ${tableSql(t)} WHERE _part IN (${names})`,
    );
  }
  const after = await rowCount(ctx, replica, sideSql(side));
  if (after !== expected) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.verifyFailed,
      `${replica.name}: ${side} holds ${after} rows, the divergent parts of ${t.database}.${t.table} ${expected}; ` +
        'nothing was detached: compare them by hand, then drop the side table and run recover again',
    );
  }
};

/**
 * Keeps the divergent parts' rows on the old replica: in the side table `--reinsert-divergent` puts back,
 * or, for parts that mix in blocks the new primary holds, in a table of their own that it does not.
 */
const keepInSideTable = async (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  t: TableDivergence,
  kept: Set<string>,
) => {
  const key = (part: { name: string }) => `${t.database}.${t.table}/${part.name}`;
  const copy = t.divergent.filter((p) => !kept.has(key(p)));
  t.keptElsewhere = t.divergent.filter((p) => kept.has(key(p))).map((p) => p.name);
  const whole = copy.filter((p) => !p.mixesHeld);
  const mixed = copy.filter((p) => p.mixesHeld);
  if (whole.length > 0) {
    t.sideTable = sideTableName(t, ctx.runId);
    await copyParts(ctx, replica, t, whole, t.sideTable);
  }
  if (mixed.length > 0) {
    t.mixedTable = sideTableName(t, ctx.runId, MIXED_TABLE_MARK);
    await copyParts(ctx, replica, t, mixed, t.mixedTable);
  }
  for (const p of copy) kept.add(key(p));
};

/** An old replica read standalone: its replicated tables. */
interface OldReplica {
  replica: ReplicaEndpoint;
  tables: ReplicatedTable[];
}

/**
 * What the new ensemble lists under each old-site replica of each table, by `<zookeeper_path>/replicas/<name>`:
 * those lists are the observer's last view of the old site (its replicas never wrote to the new ensemble).
 */
const oldSiteListings = async (
  ctx: StepContext,
  reference: ReplicaEndpoint,
  old: readonly OldReplica[],
): Promise<Map<string, Set<string>>> => {
  const listings = new Map<string, Set<string>>();
  for (const table of old.flatMap((o) => o.tables)) {
    const key = `${table.zookeeperPath}/replicas/${table.replicaName}`;
    if (!listings.has(key)) listings.set(key, await knownParts(ctx, reference, table));
  }
  return listings;
};

const listingOf = (
  table: ReplicatedTable,
  old: readonly OldReplica[],
  listings: ReadonlyMap<string, Set<string>>,
): EnsembleListing => {
  const under = (t: ReplicatedTable) =>
    listings.get(`${t.zookeeperPath}/replicas/${t.replicaName}`) ?? new Set<string>();
  const site = old.flatMap((o) => o.tables).filter((t) => t.zookeeperPath === table.zookeeperPath);
  return { underReplica: under(table), underOldSite: new Set(site.flatMap((t) => [...under(t)])) };
};

/** Compares each replicated table of one old replica (standalone) with the new primary's. */
const compareReplica = async (
  ctx: StepContext,
  { replica, tables }: OldReplica,
  compare: { old: readonly OldReplica[]; listings: ReadonlyMap<string, Set<string>>; newParts: PartInfo[] },
  kept: Set<string>,
): Promise<TableDivergence[]> => {
  const oldParts = parsePartRows(await queryReplica<unknown>(ctx, replica, PARTS_SQL));
  const result: TableDivergence[] = [];
  for (const table of tables) {
    const listing = listingOf(table, compare.old, compare.listings);
    const compared = compareTable(replica.name, table, oldParts, compare.newParts, listing);
    if (compared.divergent.length > 0) {
      const range = await timeRange(ctx, replica, compared);
      if (range) compared.timeRange = range;
      await keepInSideTable(ctx, replica, compared, kept);
    }
    result.push(compared);
  }
  return result;
};

/** Stops the replica and moves its divergent part directories to `detached/`. */
const detachDivergent = async (ctx: StepContext, replica: ReplicaEndpoint, tables: TableDivergence[]) => {
  await stopReplica(ctx, replica);
  for (const part of tables.flatMap((t) => t.divergent)) {
    await runOnNode(
      ctx,
      replica,
      renderCommand(ctx, 'detachClickHousePart', 'clickhouse', replica, { path: part.path }),
      `moving part ${part.name} to detached/`,
    );
  }
};

/** Starts a stopped replica with no coordination configured and waits until it answers. */
const startStandalone = async (ctx: StepContext, replica: ReplicaEndpoint) => {
  const current = await readClickHouseConfig(ctx, replica);
  if (current === null || !clickHouseIsStandalone(current)) {
    (ctx.undo.files ??= []).push({
      node: replica.name,
      kind: 'clickhouse',
      path: clickhousePath(ctx, replica),
      before: current,
    });
    await writeClickHouseConfig(
      ctx,
      replica,
      renderClickHouseStandalone(current, `standalone for the divergence check (run ${ctx.runId})`),
    );
  }
  await startReplica(ctx, replica);
  await waitUntil(ctx, `${replica.name} answering standalone`, async () => {
    await replicaTables(ctx, replica);
    return null;
  });
};

/** The preflight estimate of the failover this recovery follows (the latest one towards `primary`). */
const lossEstimate = async (ctx: StepContext, follower: Site, primary: Site) => {
  const runs = await listRuns(ctx.deps.store).catch(() => []);
  const failover = runs
    .filter(
      (r) =>
        r.kind === 'failover' &&
        r.from === follower.name &&
        r.to === primary.name &&
        r.result === 'succeeded',
    )
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return failover
    ? { runId: failover.runId, rpoSeconds: failover.rpoSeconds ?? null, rpoBasis: failover.rpoBasis ?? null }
    : null;
};

/**
 * Recovery, before the old replicas rejoin: stop them (before their coordination nodes), read each
 * standalone, report per table what only it had, keep the rows the new ensemble never knew of in a
 * side table and move those parts to `detached/`. The replicas stay stopped; the rejoin step starts them.
 */
export const keepDivergentStep = (follower: Site, primary: Site): FailoverStep => ({
  id: `divergence-${follower.name}`,
  title: `Stop ${follower.name}'s replicas, compare them (standalone) with ${primary.name} and keep what only they had`,
  kind: 'change',
  async plan(ctx) {
    return follower.replicas.flatMap((replica) => [
      hostAction(replica.name, renderCommand(ctx, 'stopClickHouse', 'clickhouse', replica)),
      ...writeAction(ctx, replica, 'clickhouse', 'no <zookeeper> section (standalone, tables readonly)'),
      hostAction(replica.name, renderCommand(ctx, 'startClickHouse', 'clickhouse', replica)),
      { target: replica.name, via: 'sql' as const, text: `${REPLICATED_TABLES_SQL}; ${PARTS_SQL}` },
      {
        target: primary.name,
        via: 'sql' as const,
        text: `${PARTS_SQL}; system.zookeeper <zookeeper_path>/replicas/<each replica of ${follower.name}>/parts`,
      },
      {
        target: replica.name,
        via: 'sql' as const,
        text:
          'CREATE TABLE <table>_chdr_divergent_<run> AS <table> ENGINE = MergeTree ORDER BY tuple(); INSERT INTO it SELECT * FROM <table> WHERE _part IN (<parts unknown to the new ensemble>) ' +
          '(<table>_chdr_mixed_<run> for parts merged from blocks the new primary holds and blocks it lacks)',
      },
      hostAction(replica.name, renderCommand(ctx, 'stopClickHouse', 'clickhouse', replica)),
      hostAction(
        replica.name,
        renderCommand(ctx, 'detachClickHousePart', 'clickhouse', replica, { path: '<part path>' }),
      ),
    ]);
  },
  async isDone(ctx) {
    if (ctx.facts['divergence'] !== undefined) return true;
    for (const replica of follower.replicas)
      if (!(await replicaServesWith(ctx, replica, primary))) return false;
    return true;
  },
  async run(ctx) {
    const reference = await referenceReplica(ctx, primary);
    await Promise.all(follower.replicas.map((replica) => stopReplica(ctx, replica)));
    // Each replica restarts on its own host: side by side. Compared one after the other, so that a part
    // both hold is copied once.
    await Promise.all(follower.replicas.map((replica) => startStandalone(ctx, replica)));
    const old: OldReplica[] = [];
    for (const replica of follower.replicas)
      old.push({
        replica,
        tables: parseReplicatedTables(await queryReplica<unknown>(ctx, replica, REPLICATED_TABLES_SQL)),
      });
    const listings = await oldSiteListings(ctx, reference, old);
    const newParts = parsePartRows(await queryReplica<unknown>(ctx, reference, PARTS_SQL));
    const kept = new Set<string>();
    const compared: TableDivergence[][] = [];
    for (const entry of old)
      compared.push(await compareReplica(ctx, entry, { old, listings, newParts }, kept));
    await Promise.all(follower.replicas.map((replica, i) => detachDivergent(ctx, replica, compared[i]!)));
    const tables = compared.flat().filter(hasDifference);
    const loss = measuredLoss(tables);
    const lines = describeDivergence(tables);
    return {
      notes: lines.length > 0 ? lines : [`nothing only ${follower.name} had`],
      facts: {
        divergence: tables,
        measuredLoss: loss,
        lossEstimate: await lossEstimate(ctx, follower, primary),
      },
    };
  },
  async verify() {},
  async undo(ctx, record) {
    // The side tables and detached parts are kept: a rollback never drops data.
    await restoreFiles(ctx, record, follower.replicas);
  },
});

/** A side table left by the divergence step and not yet put back. */
interface SideTable {
  replica: ReplicaEndpoint;
  database: string;
  table: string;
  side: string;
  rows: number;
}

const doneName = (side: string) => `${side}_reinserted`;

/** The side tables on `site`'s replicas still waiting to be put back (found by name, so a later run finds them too). */
const pendingSideTables = async (ctx: StepContext, site: Site): Promise<SideTable[]> => {
  const found: SideTable[] = [];
  for (const replica of site.replicas) {
    const rows = await queryReplica<{ database: string; name: string }>(
      ctx,
      replica,
      `SELECT database, name FROM system.tables WHERE position(name, ${quoteString(SIDE_TABLE_MARK)}) > 0 AND NOT endsWith(name, '_reinserted')`,
    );
    for (const row of rows) {
      const side = `${row.database}.${row.name}`;
      found.push({
        replica,
        database: row.database,
        table: row.name.slice(0, row.name.indexOf(SIDE_TABLE_MARK)),
        side,
        rows: await rowCount(ctx, replica, sideSql(side)),
      });
    }
  }
  return found;
};

/** Copies a side table's rows into the table at the new primary, in deterministic chunks. */
const reinsertTable = async (ctx: StepContext, to: ReplicaEndpoint, t: SideTable) => {
  const columns = await queryReplica<{ name: string }>(
    ctx,
    t.replica,
    `SELECT name FROM system.columns WHERE database = ${quoteString(t.database)} AND table = ${quoteString(t.table)}`,
  );
  const order = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  for (let offset = 0; offset < t.rows; offset += REINSERT_CHUNK_ROWS) {
    const rows = await queryReplica<Record<string, unknown>>(
      ctx,
      t.replica,
      `SELECT * FROM ${sideSql(t.side)} ORDER BY ${order} LIMIT ${REINSERT_CHUNK_ROWS} OFFSET ${offset}`,
    );
    await execReplica(
      ctx,
      to,
      `INSERT INTO ${tableSql(t)} FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );
  }
  await execReplica(ctx, t.replica, `RENAME TABLE ${sideSql(t.side)} TO ${sideSql(doneName(t.side))}`);
};

/**
 * `--reinsert-divergent`: puts the rows kept aside by the divergence step back at the new primary. Each
 * side table is renamed `<side>_reinserted` once copied (the record of what was put back); a chunk
 * retried after a crash is deduplicated by the replicated table's block hashes.
 */
export const reinsertDivergentStep = (follower: Site, primary: Site): FailoverStep => ({
  id: `reinsert-divergent-${follower.name}`,
  title: `Insert the rows only ${follower.name} had (kept in side tables) at ${primary.name}`,
  kind: 'change',
  async plan(ctx) {
    const tables = await pendingSideTables(ctx, follower).catch(() => []);
    if (tables.length === 0)
      return [
        {
          target: primary.name,
          via: 'sql' as const,
          text: '(rows of the side tables the divergence step fills, if any)',
        },
      ];
    return tables.map((t) => ({
      target: primary.name,
      via: 'sql' as const,
      text: `INSERT INTO ${t.database}.${t.table} FORMAT JSONEachRow <${t.rows} rows of ${t.side} at ${t.replica.name}>`,
    }));
  },
  async isDone(ctx) {
    return (await pendingSideTables(ctx, follower)).length === 0;
  },
  async run(ctx) {
    const to = await referenceReplica(ctx, primary);
    const notes: string[] = [];
    for (const t of await pendingSideTables(ctx, follower)) {
      await reinsertTable(ctx, to, t);
      notes.push(
        `${t.rows} rows of ${t.database}.${t.table} inserted at ${to.name} from ${t.side} (${t.replica.name})`,
      );
    }
    return { notes: notes.length > 0 ? notes : ['nothing to put back'], facts: { reinserted: notes } };
  },
  async verify() {},
});

/** A part name's partition and block range (`<partition>_<min>_<max>_<level>`, partition ids may hold `_`). */
const blockRange = (name: string) => {
  const fields = name.split('_');
  return { partition: fields.slice(0, -3).join('_'), min: Number(fields.at(-3)), max: Number(fields.at(-2)) };
};

/** True when an active part named `active` holds the blocks of `part` (the same part, or a merge covering it). */
const covers = (active: string, part: string): boolean => {
  const a = blockRange(active);
  const p = blockRange(part);
  return a.partition === p.partition && a.min <= p.min && a.max >= p.max;
};

/**
 * The parts only the old primary had that the new ensemble knows: a queue drained is not proof that they
 * arrived (a server may give a part up as lost), so each must be active, or covered by a merge, on every
 * replica of the new primary. Waits until the step's deadline, then fails naming what is missing.
 */
export const pendingPartsArrived = async (ctx: StepContext, site: Site): Promise<void> => {
  const tables = ((ctx.facts['divergence'] as TableDivergence[] | undefined) ?? []).filter(
    (t) => t.pending.length > 0,
  );
  for (const replica of site.replicas) {
    for (const table of tables) {
      const name = qualifiedName(table.database, table.table);
      await waitUntil(ctx, `${replica.name} to hold ${name}'s parts only the old primary had`, async () => {
        const active = await queryReplica<{ name: string }>(
          ctx,
          replica,
          `SELECT name FROM system.parts WHERE database = ${quoteString(table.database)} AND table = ${quoteString(table.table)} AND active`,
        );
        const missing = table.pending.filter((part) => !active.some((row) => covers(row.name, part.name)));
        return missing.length === 0
          ? null
          : `${missing.length} parts (${missing.reduce((sum, part) => sum + part.rows, 0)} rows) of ${name} not fetched yet: ${missing.map((part) => part.name).join(', ')}`;
      });
    }
  }
};
