import { describe, expect, it } from 'vitest';
import {
  assessReplica,
  parseReplicaRows,
  probeServerHealth,
  SERVER_QUERIES,
  SERVER_QUERY,
  type ReplicaProbe,
  type ServerHealth,
} from '../../../lib/clickhouse/index.js';
import { findCheck } from '../../../lib/health/index.js';
import type { Clock } from '../../../lib/probe/index.js';
import { fakeConnection } from './fake-connection.js';
import { jsonLines, REPLICA_THRESHOLDS } from './fixtures.js';

const thresholds = REPLICA_THRESHOLDS;

/** A clock that moves 200 ms per reading, so the request's midpoint is well defined. */
const steppingClock = (start: number): Clock => {
  let now = start;
  return { now: () => (now += 200) - 200 };
};

/** The server statement's rows as ClickHouse 18.16 sends them in JSONEachRow (UNION ALL: any order). */
const serverRows = (sql: string): unknown[] => {
  if (sql === SERVER_QUERY)
    return [
      { kind: 'event', name: 'ZooKeeperHardwareExceptions', detail: '', value: '7' },
      { kind: 'sessions', name: '', detail: '', value: '1' },
      { kind: 'parts', name: 'analytics.events_local', detail: '202604', value: '143' },
      { kind: 'event', name: 'DelayedInserts', detail: '', value: '2' },
      { kind: 'now', name: '', detail: '', value: '1776680030' },
      { kind: 'users-table', name: '', detail: '', value: '0' },
    ];
  return jsonLines('system_replicas-healthy.jsonl');
};

const healthy = (server: ServerHealth): ReplicaProbe => ({
  status: { ok: true, value: { kind: 'ok', httpStatus: 200, listed: true, tables: [] }, elapsedMs: 3 },
  tables: { ok: true, value: parseReplicaRows(jsonLines('system_replicas-healthy.jsonl')), elapsedMs: 3 },
  server: { ok: true, value: server, elapsedMs: 3 },
});

describe('probeServerHealth', () => {
  it('reads the clock skew against the request midpoint, the busiest partition and the counters (missing = 0)', async () => {
    const connection = fakeConnection({ queryRows: (call) => serverRows(call.sql!) });

    const result = await probeServerHealth(connection, {
      timeoutMs: 1000,
      clock: steppingClock(1_776_680_000_000),
    });

    expect(result).toMatchObject({
      ok: true,
      value: {
        clockSkewSeconds: 30,
        busiestPartition: { table: 'analytics.events_local', partition: '202604', parts: 143 },
        counters: { zooKeeperHardwareExceptions: 7, delayedInserts: 2, rejectedInserts: 0 },
        zooKeeperSessions: 1,
        usersTable: false,
      },
    });
  });

  it('asks for every figure in one statement', async () => {
    const asked: string[] = [];
    const connection = fakeConnection({
      queryRows: (call) => {
        asked.push(call.sql!);
        return serverRows(call.sql!);
      },
    });
    await probeServerHealth(connection, { timeoutMs: 1000, clock: steppingClock(0) });
    expect(asked).toEqual([SERVER_QUERY]);
    expect(SERVER_QUERY.split(' UNION ALL ')).toHaveLength(Object.keys(SERVER_QUERIES).length);
  });

  it('uses only columns and tables ClickHouse 18.16 has', () => {
    expect(Object.values(SERVER_QUERIES).join('\n')).not.toMatch(/FORMAT|\{|system\.asynchronous|event_time/);
  });
});

describe('assessReplica with server-wide figures', () => {
  const server: ServerHealth = {
    clockSkewSeconds: -42,
    busiestPartition: { table: 'analytics.events_local', partition: '202604', parts: 143 },
    counters: { zooKeeperHardwareExceptions: 9, delayedInserts: 5, rejectedInserts: 4 },
    zooKeeperSessions: 1,
    usersTable: true,
  };

  it('judges the counters per cycle: rejected inserts since the last cycle are critical', () => {
    const previous = { zooKeeperHardwareExceptions: 7, delayedInserts: 5, rejectedInserts: 1 };

    const check = findCheck(
      assessReplica('primary', { name: 'ch-01' }, healthy(server), thresholds, previous),
      'replica-status',
      'ch-01',
    );

    expect(check).toMatchObject({
      status: 'critical',
      values: {
        rejectedInserts: 3,
        delayedInserts: 0,
        zooKeeperHardwareExceptions: 2,
        maxPartsPerPartition: 143,
        clockSkewSeconds: -42,
      },
    });
    expect(check!.summary).toContain('3 inserts rejected since the last cycle');
    expect(check!.summary).toContain("clock 42 s behind the agent's");
    expect(check!.summary).toContain('143 active parts in partition 202604 of analytics.events_local');
  });

  it('does not judge counters on the first cycle (nothing to compare with)', () => {
    const check = findCheck(
      assessReplica(
        'primary',
        { name: 'ch-01' },
        healthy({ ...server, clockSkewSeconds: 0, busiestPartition: null }),
        thresholds,
      ),
      'replica-status',
      'ch-01',
    );

    expect(check).toMatchObject({ status: 'ok', values: { rejectedInserts: null, maxPartsPerPartition: 0 } });
  });

  it('takes a counter that went down as a server restart: the new value is the change', () => {
    const previous = { zooKeeperHardwareExceptions: 50, delayedInserts: 5, rejectedInserts: 4 };

    const check = findCheck(
      assessReplica(
        'primary',
        { name: 'ch-01' },
        healthy({ ...server, clockSkewSeconds: 0 }),
        thresholds,
        previous,
      ),
      'replica-status',
      'ch-01',
    );

    expect(check!.values.zooKeeperHardwareExceptions).toBe(9);
  });
});
