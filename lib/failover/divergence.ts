/**
 * What only the old primary had: its replicated tables' active parts compared with the new primary's, so
 * that recovery can report the difference and keep it instead of letting replication decide its fate.
 */

import * as z from 'zod';
import { quoteString } from '../clickhouse/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import { dataPathOf, forceRestoreFlagPath } from './unexpected-parts.js';

/** An active part as `system.parts` shows it (18.16 and current servers). */
export interface PartInfo {
  database: string;
  table: string;
  name: string;
  partitionId: string;
  minBlock: number;
  maxBlock: number;
  rows: number;
  /** The part's directory on the replica's host. */
  path: string;
}

/** A replicated table of the old replica: where its coordination data lives. */
export interface ReplicatedTable {
  database: string;
  table: string;
  zookeeperPath: string;
  replicaName: string;
}

/** Parts of one table that only the old replica has, split by whether the new ensemble knows them. */
export interface TableDivergence {
  replica: string;
  database: string;
  table: string;
  /**
   * Not held by the new primary and not listed under the old replica: replication will never bring them
   * there. `mixesHeld`: a merge the old site made of blocks the new primary holds and blocks it lacks
   * (the rows of a part cannot be told apart by block, so they are kept but never put back wholesale).
   */
  divergent: { name: string; rows: number; path: string; mixesHeld?: true }[];
  /** Not held by the new primary but listed under the old replica: the new primary fetches them once it rejoins. */
  pending: { name: string; rows: number }[];
  /**
   * Rows the new primary holds (same part, or the parts an old-site merge made after the new ensemble's
   * last view) but not listed under the old replica: its copy was registered, or the merge made, after that
   * view. On rejoin ClickHouse lists a merged part in place of the listed parts it covers, or moves the
   * part to `detached/` and fetches it again; it refuses to start without `force_restore_data` when they
   * are most of the table's rows.
   */
  unlisted: { name: string; rows: number; path: string }[];
  divergentRows: number;
  pendingRows: number;
  unlistedRows: number;
  /** Time range of the divergent rows (first Date/DateTime column), when the table has one. */
  timeRange?: { column: string; from: string; to: string };
  /** Where the divergent rows were copied (a plain MergeTree table on the old replica). */
  sideTable?: string;
  /** Where the rows of the divergent parts that mix in held blocks were copied (never put back by chdr). */
  mixedTable?: string;
  /** Divergent parts whose rows an earlier replica of the site already kept (detached here, not copied twice). */
  keptElsewhere?: string[];
}

export const PARTS_SQL =
  'SELECT database, table, name, partition_id, min_block_number, max_block_number, rows, path ' +
  'FROM system.parts WHERE active AND (database, table) IN (SELECT database, table FROM system.replicas) ' +
  'ORDER BY database, table, name';

export const REPLICATED_TABLES_SQL =
  'SELECT database, table, zookeeper_path, replica_name FROM system.replicas ORDER BY database, table';

const count = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);

const partRow = z.object({
  database: z.string(),
  table: z.string(),
  name: z.string(),
  partition_id: z.string(),
  min_block_number: count,
  max_block_number: count,
  rows: count,
  path: z.string().default(''),
});

const tableRow = z.object({
  database: z.string(),
  table: z.string(),
  zookeeper_path: z.string(),
  replica_name: z.string(),
});

const parseRows = <T>(schema: z.ZodType<T>, rows: readonly unknown[], what: string): T[] =>
  rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.verifyFailed,
        `${what} row ${index + 1}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  });

export const parsePartRows = (rows: readonly unknown[]): PartInfo[] =>
  parseRows(partRow, rows, 'system.parts').map((r) => ({
    database: r.database,
    table: r.table,
    name: r.name,
    partitionId: r.partition_id,
    minBlock: r.min_block_number,
    maxBlock: r.max_block_number,
    rows: r.rows,
    path: r.path,
  }));

export const parseReplicatedTables = (rows: readonly unknown[]): ReplicatedTable[] =>
  parseRows(tableRow, rows, 'system.replicas').map((r) => ({
    database: r.database,
    table: r.table,
    zookeeperPath: r.zookeeper_path,
    replicaName: r.replica_name,
  }));

/** The part names the new ensemble lists under the old replica (what it will keep when it rejoins). */
export const knownPartsSql = (table: ReplicatedTable): string =>
  `SELECT name FROM system.zookeeper WHERE path = ${quoteString(`${table.zookeeperPath}/replicas/${table.replicaName}/parts`)}`;

/** What the new ensemble lists of a table: under the old replica compared, and under any replica of the old site. */
export interface EnsembleListing {
  underReplica: ReadonlySet<string>;
  underOldSite: ReadonlySet<string>;
}

/** Whether the blocks `min..max` of a partition are all inside `parts` (active parts never overlap). */
const blocksCovered = (parts: readonly PartInfo[], min: number, max: number): boolean => {
  let next = min;
  for (const p of [...parts].sort((a, b) => a.minBlock - b.minBlock)) {
    if (p.minBlock > next) break;
    next = Math.max(next, p.maxBlock + 1);
  }
  return next > max;
};

/**
 * The parts of `table` at the old replica, by where their rows are. Block numbers are only comparable up
 * to the last one both ensembles share: the new ensemble went on numbering from the observer's last view
 * and may have handed the same numbers out again, to other rows (the new primary's first insert into a
 * partition gets the old primary's part name). A part counts as held by the new primary when its blocks
 * are at most the highest block of a part the new ensemble lists under an old-site replica, and the new
 * primary's parts cover all of them: under the same name, inside a bigger part, or (a merge the old site
 * made after that view) across several parts.
 */
export const compareTable = (
  replica: string,
  table: ReplicatedTable,
  oldParts: readonly PartInfo[],
  newParts: readonly PartInfo[],
  listing: EnsembleListing,
): TableDivergence => {
  const mine = (p: PartInfo) => p.database === table.database && p.table === table.table;
  const theirs = newParts.filter(mine);
  const old = oldParts.filter(mine);
  const sharedTop = (partitionId: string) =>
    Math.max(
      -1,
      ...[...old, ...theirs]
        .filter((p) => p.partitionId === partitionId && listing.underOldSite.has(p.name))
        .map((p) => p.maxBlock),
    );
  const held = (part: PartInfo) =>
    part.maxBlock <= sharedTop(part.partitionId) &&
    blocksCovered(
      theirs.filter((n) => n.partitionId === part.partitionId),
      part.minBlock,
      part.maxBlock,
    );
  const mixesHeld = (part: PartInfo) => {
    const top = sharedTop(part.partitionId);
    return theirs.some(
      (n) =>
        n.partitionId === part.partitionId &&
        n.minBlock <= Math.min(part.maxBlock, top) &&
        n.maxBlock >= part.minBlock,
    );
  };
  const listed = (part: PartInfo) => listing.underReplica.has(part.name);
  const divergent = old.filter((p) => !held(p) && !listed(p));
  const pending = old.filter((p) => !held(p) && listed(p));
  const unlisted = old.filter((p) => held(p) && !listed(p));
  const sum = (parts: readonly PartInfo[]) => parts.reduce((total, p) => total + p.rows, 0);
  return {
    replica,
    database: table.database,
    table: table.table,
    divergent: divergent.map((p) => ({
      name: p.name,
      rows: p.rows,
      path: p.path,
      ...(mixesHeld(p) ? { mixesHeld: true as const } : {}),
    })),
    pending: pending.map((p) => ({ name: p.name, rows: p.rows })),
    unlisted: unlisted.map((p) => ({ name: p.name, rows: p.rows, path: p.path })),
    divergentRows: sum(divergent),
    pendingRows: sum(pending),
    unlistedRows: sum(unlisted),
  };
};

/** Whether a replica's table holds anything the recovery reports. */
export const hasDifference = (t: TableDivergence): boolean =>
  t.divergent.length + t.pending.length + t.unlisted.length > 0;

/** Where the divergent rows were copied before their parts went to `detached/`. */
const detachedNote = (t: TableDivergence): string => {
  if (t.sideTable) return `, kept in ${t.sideTable} and moved to detached/`;
  return t.mixedTable ? ', moved to detached/' : '';
};

/** The divergent parts merged from blocks the new primary holds and blocks it lacks: where they are, and why not put back. */
const mixedNote = (t: TableDivergence): string => {
  const mixed = t.divergent.filter((p) => p.mixesHeld);
  if (mixed.length === 0) return '';
  return (
    `; of those, ${mixed.reduce((n, p) => n + p.rows, 0)} rows in ${mixed.map((p) => p.name).join(', ')} ` +
    'were merged by the old site from blocks the new primary holds and blocks it lacks' +
    `${t.mixedTable ? `, kept in ${t.mixedTable}` : ''} and not put back by --reinsert-divergent ` +
    '(a part does not tell which rows came from which block): compare them with the new primary by hand'
  );
};

/** One line per table with anything only the old replica had, or held but unlisted. */
export const describeDivergence = (tables: readonly TableDivergence[]): string[] =>
  tables
    .filter(hasDifference)
    .map(
      (t) =>
        `${t.replica} ${t.database}.${t.table}: ` +
        [
          t.divergent.length > 0
            ? `${t.divergentRows} rows in ${t.divergent.length} parts unknown to the new ensemble` +
              `${t.timeRange ? ` (${t.timeRange.column} ${t.timeRange.from} .. ${t.timeRange.to})` : ''}` +
              detachedNote(t) +
              `${t.keptElsewhere?.length ? ', kept from another replica of the site, moved to detached/' : ''}` +
              mixedNote(t)
            : '',
          t.pending.length > 0
            ? `${t.pendingRows} rows in ${t.pending.length} parts the new ensemble knows (fetched by the new primary on rejoin)`
            : '',
          t.unlisted.length > 0
            ? `${t.unlistedRows} rows in ${t.unlisted.length} parts whose rows the new primary holds but the new ensemble ` +
              `does not list under ${t.replica} (force_restore_data; on rejoin ClickHouse lists a merged part in place ` +
              `of the parts it covers, or moves the part to detached/ and fetches it again): ` +
              t.unlisted.map((p) => p.name).join(', ')
            : '',
        ]
          .filter(Boolean)
          .join('; '),
    );

/**
 * The `force_restore_data` flag each old replica needs on rejoin: those holding parts the new ensemble does
 * not list under them (without it ClickHouse refuses to attach a table where they are most of the rows).
 * Journals written before `unlisted` existed have none.
 */
export const unlistedPartFlags = (tables: readonly TableDivergence[]): Map<string, string> => {
  const flags = new Map<string, string>();
  for (const t of tables) {
    const dataPath = t.unlisted?.[0] ? dataPathOf(t.unlisted[0]) : undefined;
    if (dataPath !== undefined) flags.set(t.replica, forceRestoreFlagPath(dataPath));
  }
  return flags;
};

/** The measured loss of a run: what only the old primary had when it came back, in rows and parts. */
export interface MeasuredLoss {
  /** Rows only the old primary had (divergent + pending). */
  rows: number;
  parts: number;
  /** Of those, rows the new ensemble never knew of (replication cannot bring them back). */
  divergentRows: number;
  tables: string[];
}

/** Counted once per part: the old site's replicas usually hold the same parts. */
export const measuredLoss = (tables: readonly TableDivergence[]): MeasuredLoss => {
  const parts = new Map<string, { rows: number; divergent: boolean; table: string }>();
  for (const t of tables) {
    const table = `${t.database}.${t.table}`;
    for (const p of t.divergent) parts.set(`${table}/${p.name}`, { rows: p.rows, divergent: true, table });
    for (const p of t.pending) parts.set(`${table}/${p.name}`, { rows: p.rows, divergent: false, table });
  }
  const all = [...parts.values()];
  return {
    rows: all.reduce((n, p) => n + p.rows, 0),
    parts: all.length,
    divergentRows: all.filter((p) => p.divergent).reduce((n, p) => n + p.rows, 0),
    tables: [...new Set(all.map((p) => p.table))],
  };
};

/** What names a side table: `<table>_chdr_divergent_<run>`. */
export const SIDE_TABLE_MARK = '_chdr_divergent_';

/** What names the table of the rows of divergent parts that mix in held blocks: never put back by chdr. */
export const MIXED_TABLE_MARK = '_chdr_mixed_';

/** The side table that keeps a table's divergent rows on the old replica (a name per run). */
export const sideTableName = (
  table: { database: string; table: string },
  runId: string,
  mark: typeof SIDE_TABLE_MARK | typeof MIXED_TABLE_MARK = SIDE_TABLE_MARK,
): string => `${table.database}.${table.table}${mark}${runId.replace(/[^A-Za-z0-9]/g, '_')}`;
