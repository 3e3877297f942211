import { qualifiedName, quoteString } from '../clickhouse/index.js';
import type { HeartbeatSettings } from './types.js';

/** The own heartbeat, stamped by the server's clock. INSERT ... SELECT: no VALUES parsing, 18.16-safe. */
export const heartbeatInsertSql = (heartbeat: HeartbeatSettings, siteName: string): string =>
  `INSERT INTO ${qualifiedName(heartbeat.database, heartbeat.table)} (site_id, updated_at) SELECT ${quoteString(siteName)}, now()`;

/**
 * Every site's newest heartbeat and the reader's `now()`, in one row even when the table is empty:
 * the outer aggregate has no GROUP BY, so it always returns exactly one row. Inner and outer names
 * differ so that no alias shadows a column.
 */
export const heartbeatReadSql = (heartbeat: HeartbeatSettings): string =>
  'SELECT toUInt32(now()) AS server_now, groupArray(site) AS site_ids, groupArray(newest) AS last_updated_at ' +
  `FROM (SELECT site_id AS site, toUInt32(max(updated_at)) AS newest FROM ${qualifiedName(heartbeat.database, heartbeat.table)} GROUP BY site_id)`;
