import { describe, expect, it } from 'vitest';
import {
  CLICKHOUSE_ERROR_CODES,
  parseReplicaRow,
  parseReplicaRows,
  parseReplicasStatus,
} from '../../../lib/clickhouse/index.js';
import { fixture, fixture1816, jsonLines } from './fixtures.js';

describe('parseReplicasStatus', () => {
  it('reads the plain 200 "Ok." as ok without a table list', () => {
    expect(parseReplicasStatus(200, fixture('replicas_status-ok.txt'))).toEqual({
      kind: 'ok',
      httpStatus: 200,
      listed: false,
      tables: [],
    });
  });

  it('lists every table of a verbose 200 reply with zero delays as ok', () => {
    const status = parseReplicasStatus(200, fixture('replicas_status-verbose-ok.txt'));
    expect(status).toMatchObject({ kind: 'ok', httpStatus: 200, listed: true });
    expect(status.kind !== 'error' && status.tables).toEqual([
      { database: 'analytics', table: 'events_local', state: 'ok', absoluteDelay: 0, relativeDelay: 0 },
      { database: 'analytics', table: 'page_views_local', state: 'ok', absoluteDelay: 0, relativeDelay: 0 },
      { database: 'analytics', table: 'sessions_local', state: 'ok', absoluteDelay: 0, relativeDelay: 0 },
    ]);
  });

  it('marks the delayed tables of a 503 reply and leaves the caught-up one ok', () => {
    const status = parseReplicasStatus(503, fixture('replicas_status-delayed.txt'));
    expect(status).toMatchObject({ kind: 'delayed', httpStatus: 503, listed: true });
    expect(
      status.kind !== 'error' &&
        status.tables.map((t) => [t.table, t.state, t.absoluteDelay, t.relativeDelay]),
    ).toEqual([
      ['events_local', 'delayed', 912, 912],
      ['page_views_local', 'delayed', 131, 131],
      ['sessions_local', 'ok', 0, 0],
    ]);
  });

  it('reads readonly tables from a 200 reply (the line ends with "is readonly. ")', () => {
    const body = fixture('replicas_status-verbose-readonly.txt');
    expect(body).toContain(':\tis readonly. \n');
    const status = parseReplicasStatus(200, body);
    expect(status).toMatchObject({ kind: 'readonly', httpStatus: 200, listed: true });
    expect(
      status.kind !== 'error' &&
        status.tables.every((t) => t.state === 'readonly' && t.absoluteDelay === null),
    ).toBe(true);
    expect(status.kind !== 'error' && status.tables).toHaveLength(3);
  });

  it('calls a reply with both readonly and delayed tables mixed', () => {
    const body = 'db.a:\tis readonly. \ndb.b:\tAbsolute delay: 40. Relative delay: 0.\n';
    expect(parseReplicasStatus(200, body).kind).toBe('mixed');
  });

  it('reads a real 18.16 verbose reply', () => {
    expect(parseReplicasStatus(200, fixture1816('replicas_status-18.16-verbose-ok.txt'))).toEqual({
      kind: 'ok',
      httpStatus: 200,
      listed: true,
      tables: [
        { database: 'default', table: 'heart_beat', state: 'ok', absoluteDelay: 0, relativeDelay: 0 },
        { database: 'default', table: 'other', state: 'ok', absoluteDelay: 0, relativeDelay: 0 },
      ],
    });
  });

  it('reads the 500 that 18.16 answers while a table is readonly', () => {
    expect(parseReplicasStatus(500, fixture1816('replicas_status-18.16-readonly-500.txt'))).toEqual({
      kind: 'error',
      httpStatus: 500,
      message:
        'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception',
      exception: { code: 242, type: 'TABLE_IS_READ_ONLY', message: 'Table is in readonly mode' },
    });
  });

  it('treats the empty verbose reply of a server without replicated tables (18.16) as ok', () => {
    expect(parseReplicasStatus(200, '')).toEqual({ kind: 'ok', httpStatus: 200, listed: true, tables: [] });
  });

  it('reads a 503 whose body is only "Ok." (verbose status disabled) as delayed', () => {
    expect(parseReplicasStatus(503, 'Ok.\n')).toEqual({
      kind: 'delayed',
      httpStatus: 503,
      listed: false,
      tables: [],
    });
  });

  it('unquotes back-quoted database and table names', () => {
    const status = parseReplicasStatus(200, '`my-db`.`odd\\`name`:\tAbsolute delay: 0. Relative delay: 0.\n');
    expect(status.kind !== 'error' && status.tables[0]).toMatchObject({
      database: 'my-db',
      table: 'odd`name',
    });
  });

  it('turns a 500 into an error carrying the parsed exception (servers before the readonly branch)', () => {
    const status = parseReplicasStatus(
      500,
      'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode (version 20.5.2.7 (official build))\n',
    );
    expect(status).toMatchObject({
      kind: 'error',
      httpStatus: 500,
      exception: { code: 242, type: 'TABLE_IS_READ_ONLY' },
    });
  });

  it('turns other statuses without an exception into an error with the first line', () => {
    expect(parseReplicasStatus(404, 'There is no handle /replicas_status\n\nUse / or /ping\n')).toEqual({
      kind: 'error',
      httpStatus: 404,
      message: 'There is no handle /replicas_status',
      exception: null,
    });
  });

  it('rejects a 200 body that is not a table list', () => {
    expect(() => parseReplicasStatus(200, '<html>proxy</html>')).toThrowError(
      expect.objectContaining({ code: CLICKHOUSE_ERROR_CODES.badReply }),
    );
  });
});

/** A real 18.16 row (ch1, healthy), as the base of the malformed-row cases. */
const row1816 = (): Record<string, unknown> =>
  jsonLines('system_replicas-18.16-healthy.jsonl', fixture1816)[0] as Record<string, unknown>;

describe('parseReplicaRow', () => {
  it('reads a healthy modern row: UInt64 strings to numbers, log pointer one past the max index means no lag', () => {
    const [events] = jsonLines('system_replicas-healthy.jsonl').map(parseReplicaRow);
    expect(events).toMatchObject({
      database: 'analytics',
      table: 'events_local',
      engine: 'ReplicatedMergeTree',
      replicaName: 'ch-01',
      zookeeperPath: '/clickhouse/tables/3f1c2a4e-8b7d-4c21-9e55-0a6b7c8d9e10/01',
      isLeader: true,
      isReadonly: false,
      isSessionExpired: false,
      queueSize: 1,
      mergesInQueue: 1,
      logMaxIndex: 183247,
      logPointer: 183248,
      logLag: 0,
      absoluteDelay: 0,
      queueNeverLoaded: false,
      totalReplicas: 3,
      activeReplicas: 3,
      queueOldestTime: '2026-04-20 09:29:41',
      readonlySince: null,
      zookeeperException: null,
      lostPartCount: 0,
      replicaIsActive: { 'ch-01': true, 'ch-02': true, 'ch-03': true },
    });
  });

  it('reads the lagging rows: queued inserts, a log pointer behind, an inactive replica', () => {
    const rows = parseReplicaRows(jsonLines('system_replicas-lagging.jsonl'));
    const byTable = Object.fromEntries(rows.map((row) => [row.table, row]));
    expect(byTable['events_local']).toMatchObject({
      queueSize: 61,
      insertsInQueue: 58,
      absoluteDelay: 912,
      logLag: 0,
      activeReplicas: 2,
    });
    expect(byTable['page_views_local']).toMatchObject({
      logMaxIndex: 97412,
      logPointer: 97281,
      logLag: 131,
      absoluteDelay: 131,
    });
    expect(byTable['sessions_local']?.replicaIsActive).toEqual({
      'ch-01': true,
      'ch-02': true,
      'ch-03': false,
    });
  });

  it('reads readonly rows after a session expiry, with the modern readonly_start_time', () => {
    const rows = parseReplicaRows(jsonLines('system_replicas-readonly.jsonl'));
    expect(rows.every((row) => row.isReadonly && row.isSessionExpired && !row.isLeader)).toBe(true);
    expect(rows.map((row) => [row.absoluteDelay, row.logLag, row.totalReplicas, row.readonlySince])).toEqual([
      [457, 0, 0, '2026-04-20 10:07:31'],
      [451, 0, 0, '2026-04-20 10:07:31'],
      [0, 0, 0, '2026-04-20 10:07:31'],
    ]);
    expect(rows[0]?.replicaIsActive).toEqual({});
  });

  it('recognises the Unix-time absolute_delay of a replica readonly since start', () => {
    const [row] = parseReplicaRows(jsonLines('system_replicas-readonly-since-startup.jsonl'));
    expect(row).toMatchObject({
      isReadonly: true,
      readonlySince: null,
      absoluteDelay: 1776680102,
      queueNeverLoaded: true,
      lastQueueUpdate: null,
    });
  });

  it('reads real 18.16 rows: missing modern columns are null, 0000-00-00 times are null, caught up means no lag', () => {
    const rows = parseReplicaRows(jsonLines('system_replicas-18.16-healthy.jsonl', fixture1816));
    expect(rows.map((row) => `${row.database}.${row.table}`)).toEqual([
      'default.heart_beat',
      'default.other',
    ]);
    expect(rows[0]).toEqual({
      database: 'default',
      table: 'heart_beat',
      engine: 'ReplicatedReplacingMergeTree',
      replicaName: 'ch1',
      zookeeperPath: '/clickhouse/tables/chdr/heart_beat',
      isLeader: false,
      isReadonly: false,
      isSessionExpired: false,
      queueSize: 0,
      insertsInQueue: 0,
      mergesInQueue: 0,
      partMutationsInQueue: 0,
      futureParts: 0,
      partsToCheck: 0,
      logMaxIndex: 3,
      logPointer: 4,
      logLag: 0,
      absoluteDelay: 0,
      queueNeverLoaded: false,
      totalReplicas: 3,
      activeReplicas: 3,
      queueOldestTime: null,
      lastQueueUpdate: '2026-11-23 11:32:26',
      readonlySince: null,
      zookeeperException: null,
      lastQueueUpdateException: null,
      lostPartCount: null,
      replicaIsActive: null,
    });
  });

  it('reads a real 18.16 replica with fetches stopped: inserts queued and a delay', () => {
    const [row] = parseReplicaRows(jsonLines('system_replicas-18.16-fetches-stopped.jsonl', fixture1816));
    expect(row).toMatchObject({
      replicaName: 'ch3',
      queueSize: 3,
      insertsInQueue: 3,
      absoluteDelay: 7,
      queueOldestTime: '2026-11-23 11:32:23',
    });
  });

  it('reads a real 18.16 readonly row after ZooKeeper lost quorum', () => {
    const [row] = parseReplicaRows(jsonLines('system_replicas-18.16-readonly.jsonl', fixture1816));
    expect(row).toMatchObject({
      isReadonly: true,
      isSessionExpired: true,
      totalReplicas: 0,
      activeReplicas: 0,
      logLag: 0,
      absoluteDelay: 9,
    });
  });

  it('accepts unquoted 64-bit integers and ignores columns it does not know', () => {
    const row = { ...row1816(), log_max_index: 12, absolute_delay: 4, brand_new_column: [1, 2] };
    expect(parseReplicaRow(row)).toMatchObject({ logMaxIndex: 12, absoluteDelay: 4, logLag: 8 });
  });

  it('rejects a row without a column it relies on, naming the row and the column', () => {
    const row = row1816();
    delete row['is_readonly'];
    expect(() => parseReplicaRows([row1816(), row])).toThrowError(/system\.replicas row 2: is_readonly/);
    expect(() => parseReplicaRow({ ...row1816(), queue_size: '-1' })).toThrowError(
      expect.objectContaining({ code: CLICKHOUSE_ERROR_CODES.badReply }),
    );
  });
});
