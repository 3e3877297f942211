import {
  ClickHouseRequestError,
  CLICKHOUSE_ERROR_CODES,
  probeFailedWith,
  unsignedOf,
  type ClickHouseConnection,
} from '../clickhouse/index.js';
import { PROBE_FAILURES, probeOk, type ProbeResult } from '../probe/index.js';
import { heartbeatReadSql } from './sql.js';
import type { HeartbeatReading, HeartbeatRequestOptions, HeartbeatSettings } from './types.js';

const badReply = (message: string): ClickHouseRequestError =>
  new ClickHouseRequestError(CLICKHOUSE_ERROR_CODES.badReply, message, { failure: PROBE_FAILURES.badReply });

/** An array whose every item `read` accepts, or undefined. */
const arrayOf = <T>(value: unknown, read: (item: unknown) => T | undefined): T[] | undefined => {
  if (!Array.isArray(value)) return undefined;
  const items = value.map(read);
  return items.every((item) => item !== undefined) ? (items as T[]) : undefined;
};

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses the one row of `heartbeatReadSql`. Throws a CLICKHOUSE_BAD_REPLY error when it is not that. */
export const parseHeartbeatReading = (rows: readonly unknown[]): HeartbeatReading => {
  if (rows.length !== 1) throw badReply(`heartbeat read: expected 1 row, got ${rows.length}`);
  const row = (rows[0] ?? {}) as Record<string, unknown>;
  // UInt32 prints as a number; a quoted one is accepted too (output_format_json_quote_64bit_integers).
  const serverNow = unsignedOf(row.server_now);
  const siteIds = arrayOf(row.site_ids, stringOf);
  const lastUpdatedAt = arrayOf(row.last_updated_at, unsignedOf);
  if (serverNow === undefined) throw badReply('heartbeat read: server_now is not an unsigned integer');
  if (siteIds === undefined) throw badReply('heartbeat read: site_ids is not an array of strings');
  if (lastUpdatedAt === undefined)
    throw badReply('heartbeat read: last_updated_at is not an array of unsigned integers');
  if (siteIds.length !== lastUpdatedAt.length)
    throw badReply('heartbeat read: site_ids and last_updated_at differ in length');
  return {
    serverNow,
    rows: siteIds.map((siteId, index) => ({ siteId, lastUpdatedAt: lastUpdatedAt[index]! })),
  };
};

/** Reads every site's newest heartbeat with the reading server's `now()`, in one query. Never throws. */
export const readHeartbeats = async (
  connection: ClickHouseConnection,
  settings: HeartbeatSettings,
  { timeoutMs, clock }: HeartbeatRequestOptions,
): Promise<ProbeResult<HeartbeatReading>> => {
  const startedAt = clock.now();
  try {
    const rows = await connection.queryRows(heartbeatReadSql(settings), { timeoutMs });
    return probeOk(parseHeartbeatReading(rows), startedAt, clock);
  } catch (error) {
    return probeFailedWith(error, startedAt, clock, 'heartbeat read failed');
  }
};
