import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';

/**
 * Parts a replica holds that its new ensemble never recorded (issue 12): e.g. the standby's replica fetched
 * a part the stale observer missed. Started against that ensemble, ClickHouse (18.16 and current) refuses
 * to attach the table ("The local set of parts ... doesn't look like the set of parts in ZooKeeper",
 * `replicated_max_ratio_of_wrong_parts`), unless the `flags/force_restore_data` file exists under its data
 * path: then it detaches them (`ignored_*` on 18.16, `unexpected_*` later) and starts. chdr writes the flag,
 * lists the active parts before the restart and after it, and names every part that left the active set
 * without a part covering it (table, part, rows): kept in `detached/`, never dropped silently.
 */

/** The active parts of replicated tables, with the file path that shows the server's data path. */
export const ACTIVE_PARTS_SQL =
  'SELECT database, table, name, toString(rows) AS rows, path AS part_path FROM system.parts ' +
  'WHERE active AND (database, table) IN (SELECT database, table FROM system.replicas) ' +
  'ORDER BY database, table, name';

export interface ActivePart {
  table: string;
  name: string;
  rows: number;
  path: string;
}

export interface DetachedParts {
  replica: string;
  table: string;
  parts: string[];
  rows: number;
}

const text = (row: Record<string, unknown>, key: string): string => {
  const value = row[key];
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new FailoverError(
      FAILOVER_ERROR_CODES.verifyFailed,
      `system.parts row without ${key}: ${JSON.stringify(row).slice(0, 200)}`,
    );
  return String(value);
};

/** Parses the rows of `ACTIVE_PARTS_SQL`. */
export const parseActiveParts = (rows: readonly unknown[]): ActivePart[] =>
  rows.map((raw) => {
    const row = raw as Record<string, unknown>;
    const rowsText = text(row, 'rows');
    if (!/^\d+$/.test(rowsText))
      throw new FailoverError(
        FAILOVER_ERROR_CODES.verifyFailed,
        `system.parts rows is not a count: ${rowsText}`,
      );
    return {
      table: `${text(row, 'database')}.${text(row, 'table')}`,
      name: text(row, 'name'),
      rows: Number(rowsText),
      path: text(row, 'part_path'),
    };
  });

/** The server's data path (`<path>`), from a part's folder `<path>data/<db>/<table>/<part>/`. */
export const dataPathOf = (part: { path: string }): string | undefined => {
  const match = /^(.*\/)data\/[^/]+\/[^/]+\/[^/]+\/?$/.exec(part.path);
  return match?.[1];
};

export const forceRestoreFlagPath = (dataPath: string): string => `${dataPath}flags/force_restore_data`;

/** `<partition>_<min>_<max>_<level>[_<mutation>]`: a partition id holds no `_`. */
const blocksOf = (name: string): { partition: string; min: number; max: number } | undefined => {
  const [partition, min, max] = name.split('_');
  if (partition === undefined || min === undefined || max === undefined) return undefined;
  return { partition, min: Number(min), max: Number(max) };
};

const covers = (outer: string, inner: string): boolean => {
  const a = blocksOf(outer);
  const b = blocksOf(inner);
  if (!a || !b) return outer === inner;
  return a.partition === b.partition && a.min <= b.min && a.max >= b.max;
};

/** The parts active before that no active part covers now, per table. */
export const partsLeftOut = (
  replica: string,
  before: readonly ActivePart[],
  after: readonly ActivePart[],
): DetachedParts[] => {
  const byTable = new Map<string, DetachedParts>();
  for (const part of before) {
    if (after.some((now) => now.table === part.table && covers(now.name, part.name))) continue;
    const entry = byTable.get(part.table) ?? { replica, table: part.table, parts: [], rows: 0 };
    entry.parts.push(part.name);
    entry.rows += part.rows;
    byTable.set(part.table, entry);
  }
  return [...byTable.values()];
};

export const describeDetached = (d: DetachedParts): string =>
  `${d.replica} ${d.table}: ${d.rows} rows in ${d.parts.length} parts the new ensemble never recorded, ` +
  `detached by ClickHouse (ignored_*/unexpected_* in detached/) and kept: ${d.parts.join(', ')}`;
