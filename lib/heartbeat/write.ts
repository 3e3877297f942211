import {
  ClickHouseRequestError,
  CLICKHOUSE_ERROR_CODES,
  probeFailedWith,
  type ClickHouseConnection,
} from '../clickhouse/index.js';
import { PROBE_FAILURES, probeOk, type Clock, type ProbeResult } from '../probe/index.js';
import { MISSING_TABLE_TYPES } from './constants.js';
import { heartbeatDatabaseDdl, heartbeatTableDdl } from './ddl.js';
import { heartbeatInsertSql } from './sql.js';
import type { HeartbeatRequestOptions, HeartbeatSettings, HeartbeatWrite } from './types.js';

/** Hands out what is left of one budget to each statement, so retries never exceed the caller's timeout. */
const budget = (timeoutMs: number, clock: Clock) => {
  const deadline = clock.now() + timeoutMs;
  return (): number => {
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new ClickHouseRequestError(
        CLICKHOUSE_ERROR_CODES.timeout,
        `heartbeat: no time left of ${timeoutMs} ms`,
        {
          failure: PROBE_FAILURES.timeout,
        },
      );
    }
    return left;
  };
};

const isTableAlreadyThere = (error: unknown): boolean =>
  error instanceof ClickHouseRequestError && error.exception?.type === 'TABLE_ALREADY_EXISTS';

const createTable = async (
  connection: ClickHouseConnection,
  settings: HeartbeatSettings,
  left: () => number,
): Promise<void> => {
  try {
    if (settings.database !== 'default')
      await connection.exec(heartbeatDatabaseDdl(settings), { timeoutMs: left() });
    await connection.exec(heartbeatTableDdl(settings), { timeoutMs: left() });
  } catch (error) {
    // Two sites creating it at the same moment: the other one won, which is fine.
    if (!isTableAlreadyThere(error)) throw error;
  }
};

/** Creates the heartbeat table (and its database) if missing. Never throws. */
export const ensureHeartbeatTable = async (
  connection: ClickHouseConnection,
  settings: HeartbeatSettings,
  { timeoutMs, clock }: HeartbeatRequestOptions,
): Promise<ProbeResult<{ table: string }>> => {
  const startedAt = clock.now();
  try {
    await createTable(connection, settings, budget(timeoutMs, clock));
    return probeOk({ table: `${settings.database}.${settings.table}` }, startedAt, clock);
  } catch (error) {
    return probeFailedWith(error, startedAt, clock, 'heartbeat table could not be created');
  }
};

/**
 * Writes this site's heartbeat (`INSERT ... SELECT '<site>', now()`). When the table or its database
 * is missing, creates it once and retries. Fails with the server's exception type (TABLE_IS_READ_ONLY,
 * NO_ZOOKEEPER, KEEPER_EXCEPTION, UNKNOWN_STATUS_OF_INSERT, TIMEOUT_EXCEEDED...) in `serverErrorType`.
 * Never throws.
 */
export const writeHeartbeat = async (
  connection: ClickHouseConnection,
  siteName: string,
  settings: HeartbeatSettings,
  { timeoutMs, clock }: HeartbeatRequestOptions,
): Promise<ProbeResult<HeartbeatWrite>> => {
  const startedAt = clock.now();
  const left = budget(timeoutMs, clock);
  const insert = heartbeatInsertSql(settings, siteName);
  let createdTable = false;
  try {
    try {
      await connection.exec(insert, { timeoutMs: left() });
    } catch (error) {
      const type = error instanceof ClickHouseRequestError ? error.exception?.type : undefined;
      if (type === undefined || !MISSING_TABLE_TYPES.includes(type)) throw error;
      try {
        await createTable(connection, settings, left);
      } catch (createError) {
        return probeFailedWith(
          createError,
          startedAt,
          clock,
          'heartbeat table missing and could not be created',
        );
      }
      createdTable = true;
      await connection.exec(insert, { timeoutMs: left() });
    }
    return probeOk({ writtenAt: clock.now(), createdTable }, startedAt, clock);
  } catch (error) {
    return probeFailedWith(error, startedAt, clock, `heartbeat write for ${siteName} failed`);
  }
};
