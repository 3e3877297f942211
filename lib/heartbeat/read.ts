import * as z from 'zod';
import {
  ClickHouseRequestError,
  CLICKHOUSE_ERROR_CODES,
  probeFailureOf,
  type ClickHouseConnection,
} from '../clickhouse/index.js';
import { PROBE_FAILURES, probeFailed, probeOk, type ProbeResult } from '../probe/index.js';
import { heartbeatReadSql } from './sql.js';
import type { HeartbeatReading, HeartbeatRequestOptions, HeartbeatSettings } from './types.js';

/** UInt32 prints as a number; accept a quoted one too (output_format_json_quote_64bit_integers on a UInt64). */
const seconds = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(Number);

const readingSchema = z
  .looseObject({
    server_now: seconds,
    site_ids: z.array(z.string()),
    last_updated_at: z.array(seconds),
  })
  .refine(
    (row) => row.site_ids.length === row.last_updated_at.length,
    'site_ids and last_updated_at differ in length',
  );

const badReply = (message: string): ClickHouseRequestError =>
  new ClickHouseRequestError(CLICKHOUSE_ERROR_CODES.badReply, message, { failure: PROBE_FAILURES.badReply });

/** Parses the one row of `heartbeatReadSql`. Throws a CLICKHOUSE_BAD_REPLY error when it is not that. */
export const parseHeartbeatReading = (rows: readonly unknown[]): HeartbeatReading => {
  if (rows.length !== 1) throw badReply(`heartbeat read: expected 1 row, got ${rows.length}`);
  const parsed = readingSchema.safeParse(rows[0]);
  if (!parsed.success) {
    throw badReply(
      `heartbeat read: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; ')}`,
    );
  }
  const { server_now: serverNow, site_ids: siteIds, last_updated_at: lastUpdatedAt } = parsed.data;
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
    const failure = probeFailureOf(error);
    return probeFailed(
      failure.code,
      `heartbeat read failed: ${failure.reason}`,
      startedAt,
      clock,
      failure.serverErrorType,
    );
  }
};
