import { describe, expect, it } from 'vitest';
import { CLICKHOUSE_ERROR_CODES } from '../../../lib/clickhouse/index.js';
import {
  ensureHeartbeatTable,
  parseHeartbeatReading,
  readHeartbeats,
  writeHeartbeat,
} from '../../../lib/heartbeat/index.js';
import { PROBE_FAILURES } from '../../../lib/probe/index.js';
import { fakeConnection, manualClock, serverError, transportError } from '../clickhouse/fake-connection.js';
import { V18_EXCEPTIONS } from '../clickhouse/fixtures.js';

const settings = {
  database: 'default',
  table: 'heart_beat',
  zooKeeperPath: '/clickhouse/tables/chdr/heart_beat',
};

const V18 = V18_EXCEPTIONS;

describe('writeHeartbeat', () => {
  it('inserts the site with the server clock and reports when the server acknowledged', async () => {
    const clock = manualClock(1_000);
    const connection = fakeConnection({ exec: async () => clock.advance(25) });

    const result = await writeHeartbeat(connection, 'us-east', settings, { timeoutMs: 1000, clock });

    expect(result).toEqual({ ok: true, value: { writtenAt: 1_025, createdTable: false }, elapsedMs: 25 });
    expect(connection.calls.map((call) => call.sql)).toEqual([
      "INSERT INTO `default`.`heart_beat` (site_id, updated_at) SELECT 'us-east', now()",
    ]);
  });

  it('fails with TABLE_IS_READ_ONLY when coordination has lost quorum', async () => {
    const connection = fakeConnection({ exec: serverError(V18.readonly) });
    const result = await writeHeartbeat(connection, 'us-east', settings, {
      timeoutMs: 1000,
      clock: manualClock(),
    });
    expect(result).toMatchObject({
      ok: false,
      code: PROBE_FAILURES.serverError,
      serverErrorType: 'TABLE_IS_READ_ONLY',
    });
    expect(!result.ok && result.reason).toMatch(/^heartbeat write for us-east failed: /);
    expect(connection.calls).toHaveLength(1);
  });

  it('creates a missing table once, then retries the insert', async () => {
    let inserts = 0;
    const connection = fakeConnection({
      exec: async (call) => {
        if (call.sql?.startsWith('INSERT') && inserts++ === 0) throw serverError(V18.unknownTable);
      },
    });

    const result = await writeHeartbeat(connection, 'us-east', settings, {
      timeoutMs: 1000,
      clock: manualClock(),
    });

    expect(result).toMatchObject({ ok: true, value: { createdTable: true } });
    expect(connection.calls.map((call) => call.sql?.split(' ').slice(0, 3).join(' '))).toEqual([
      'INSERT INTO `default`.`heart_beat`',
      'CREATE TABLE IF',
      'INSERT INTO `default`.`heart_beat`',
    ]);
  });

  it('creates the database too when that is what is missing', async () => {
    let inserts = 0;
    const connection = fakeConnection({
      exec: async (call) => {
        if (call.sql?.startsWith('INSERT') && inserts++ === 0) throw serverError(V18.unknownDatabase);
      },
    });
    const result = await writeHeartbeat(
      connection,
      'us-east',
      { ...settings, database: 'ops' },
      { timeoutMs: 1000, clock: manualClock() },
    );
    expect(result.ok).toBe(true);
    expect(connection.calls[1]?.sql).toBe('CREATE DATABASE IF NOT EXISTS `ops`');
  });

  it('reports NO_ZOOKEEPER when the table cannot be created, without retrying again', async () => {
    const connection = fakeConnection({
      exec: async (call) => {
        throw serverError(call.sql?.startsWith('INSERT') ? V18.unknownTable : V18.noZooKeeper);
      },
    });
    const result = await writeHeartbeat(connection, 'us-east', settings, {
      timeoutMs: 1000,
      clock: manualClock(),
    });
    expect(result).toMatchObject({ ok: false, serverErrorType: 'NO_ZOOKEEPER' });
    expect(!result.ok && result.reason).toMatch(/^heartbeat table missing and could not be created: /);
    expect(connection.calls).toHaveLength(2);
  });

  it('gives each statement only what is left of the budget and times out when nothing is', async () => {
    const clock = manualClock(0);
    let inserts = 0;
    const connection = fakeConnection({
      exec: async (call) => {
        clock.advance(400);
        if (call.sql?.startsWith('INSERT') && inserts++ === 0) throw serverError(V18.unknownTable);
      },
    });
    const result = await writeHeartbeat(connection, 'us-east', settings, { timeoutMs: 1000, clock });
    expect(connection.calls.map((call) => call.timeoutMs)).toEqual([1000, 600, 200]);
    expect(result.ok).toBe(true);

    const slow = fakeConnection({
      exec: async () => {
        clock.advance(1000);
        throw serverError(V18.unknownTable);
      },
    });
    const late = await writeHeartbeat(slow, 'us-east', settings, { timeoutMs: 1000, clock });
    expect(late).toMatchObject({ ok: false, code: PROBE_FAILURES.timeout });
  });

  it('reports a transport failure with its code', async () => {
    const connection = fakeConnection({ exec: transportError(PROBE_FAILURES.timeout) });
    const result = await writeHeartbeat(connection, 'us-east', settings, {
      timeoutMs: 1000,
      clock: manualClock(),
    });
    expect(result).toMatchObject({ ok: false, code: PROBE_FAILURES.timeout });
    expect(result.ok || result.serverErrorType).toBeUndefined();
  });
});

describe('ensureHeartbeatTable', () => {
  it('accepts TABLE_ALREADY_EXISTS from a racing creator', async () => {
    const connection = fakeConnection({
      exec: serverError(
        'Code: 57. DB::Exception: Table default.heart_beat already exists. (TABLE_ALREADY_EXISTS) (version 24.8.4.13 (official build))',
      ),
    });
    expect(
      await ensureHeartbeatTable(connection, settings, { timeoutMs: 1000, clock: manualClock() }),
    ).toMatchObject({
      ok: true,
      value: { table: 'default.heart_beat' },
    });
  });

  it('skips CREATE DATABASE for the default database', async () => {
    const connection = fakeConnection({ exec: async () => undefined });
    await ensureHeartbeatTable(connection, settings, { timeoutMs: 1000, clock: manualClock() });
    expect(connection.calls.map((call) => call.sql?.slice(0, 15))).toEqual(['CREATE TABLE IF']);
  });
});

describe('readHeartbeats', () => {
  it('pairs every site with its newest heartbeat and returns the reader’s now()', async () => {
    const connection = fakeConnection({
      queryRows: [
        {
          server_now: 1795432904,
          site_ids: ['us-east', 'eu-west'],
          last_updated_at: [1795432904, 1795432899],
        },
      ],
    });
    const result = await readHeartbeats(connection, settings, { timeoutMs: 800, clock: manualClock() });
    expect(result).toMatchObject({
      ok: true,
      value: {
        serverNow: 1795432904,
        rows: [
          { siteId: 'us-east', lastUpdatedAt: 1795432904 },
          { siteId: 'eu-west', lastUpdatedAt: 1795432899 },
        ],
      },
    });
    expect(connection.calls[0]?.timeoutMs).toBe(800);
  });

  it('reads an empty table as no rows but still the server clock', () => {
    expect(parseHeartbeatReading([{ server_now: 1795432904, site_ids: [], last_updated_at: [] }])).toEqual({
      serverNow: 1795432904,
      rows: [],
    });
  });

  it('rejects a reply of another shape', () => {
    expect(() => parseHeartbeatReading([])).toThrowError(
      expect.objectContaining({ code: CLICKHOUSE_ERROR_CODES.badReply }),
    );
    expect(() =>
      parseHeartbeatReading([{ server_now: 1, site_ids: ['a'], last_updated_at: [] }]),
    ).toThrowError(/differ in length/);
  });

  it('fails with the exception type when the table is missing', async () => {
    const connection = fakeConnection({ queryRows: serverError(V18.unknownTable) });
    const result = await readHeartbeats(connection, settings, { timeoutMs: 800, clock: manualClock() });
    expect(result).toMatchObject({
      ok: false,
      code: PROBE_FAILURES.serverError,
      serverErrorType: 'UNKNOWN_TABLE',
    });
  });
});
