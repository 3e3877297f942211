import { findCheck } from '../../../lib/health/index.js';
import { describe, expect, it } from 'vitest';
import {
  assessReplica,
  parseReplicaRows,
  parseReplicasStatus,
  type ReplicaProbe,
  type ReplicasStatusReport,
} from '../../../lib/clickhouse/index.js';
import { PROBE_FAILURES, type ProbeResult } from '../../../lib/probe/index.js';
import { fixture, fixture1816, jsonLines, REPLICA_THRESHOLDS } from './fixtures.js';

const thresholds = REPLICA_THRESHOLDS;

const ok = <T>(value: T): ProbeResult<T> => ({ ok: true, value, elapsedMs: 3 });
const failed = <T>(
  code: (typeof PROBE_FAILURES)[keyof typeof PROBE_FAILURES],
  serverErrorType?: string,
): ProbeResult<T> => ({
  ok: false,
  code,
  reason: `${code} reason`,
  elapsedMs: 3,
  ...(serverErrorType === undefined ? {} : { serverErrorType }),
});

const status = (httpStatus: number, file: string): ProbeResult<ReplicasStatusReport> =>
  ok(parseReplicasStatus(httpStatus, fixture(file)) as ReplicasStatusReport);

const probeOf = (statusFile: [number, string], rowsFile: string): ReplicaProbe => ({
  status: status(...statusFile),
  tables: ok(parseReplicaRows(jsonLines(rowsFile))),
});

describe('assessReplica', () => {
  it('says ok, with one check, for a healthy replica', () => {
    const checks = assessReplica(
      'primary',
      { name: 'ch-01' },
      probeOf([200, 'replicas_status-verbose-ok.txt'], 'system_replicas-healthy.jsonl'),
      thresholds,
    );

    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      kind: 'replica-status',
      site: 'primary',
      subject: 'ch-01',
      status: 'ok',
      summary: 'ch-01: 3 replicated tables in sync (max delay 0 s)',
      values: {
        reachable: true,
        tables: 3,
        readonlyTables: 0,
        maxAbsoluteDelay: 0,
        maxQueueSize: 1,
        maxLogLag: 0,
        httpStatus: 200,
      },
    });
  });

  it('goes critical on a delay past the critical threshold and names the slowest table', () => {
    const checks = assessReplica(
      'standby',
      { name: 'ch-02' },
      probeOf([503, 'replicas_status-delayed.txt'], 'system_replicas-lagging.jsonl'),
      thresholds,
    );

    const [server, ...tables] = checks;
    expect(server).toMatchObject({
      kind: 'replica-status',
      status: 'critical',
      values: { maxAbsoluteDelay: 912, maxLogLag: 131, tablesWithInactiveReplicas: 3 },
    });
    expect(server?.summary).toMatch(
      /^ch-02: replication delay 912 s on analytics\.events_local \(critical ≥ 300 s\); .*2\/3 replicas active on 3 tables — check fetches/,
    );
    expect(tables.map((check) => [check.subject, check.status])).toEqual([
      ['analytics.events_local@ch-02', 'critical'],
      ['analytics.page_views_local@ch-02', 'warn'],
      ['analytics.sessions_local@ch-02', 'warn'],
    ]);
    expect(tables[0]).toMatchObject({
      kind: 'replica-tables',
      values: {
        absoluteDelay: 912,
        queueSize: 61,
        insertsInQueue: 58,
        logLag: 0,
        activeReplicas: 2,
        totalReplicas: 3,
        readonly: false,
      },
    });
    expect(tables[1]?.values).toMatchObject({ absoluteDelay: 131, logLag: 131 });
    expect(tables[2]?.summary).toBe(
      'analytics.sessions_local@ch-02: 2/3 replicas active — another replica is down or has lost its coordination session',
    );
  });

  it('warns on a long queue even without delay', () => {
    const rows = parseReplicaRows(jsonLines('system_replicas-healthy.jsonl')).map((row) => ({
      ...row,
      queueSize: 150,
    }));
    const checks = assessReplica(
      'primary',
      { name: 'ch-01' },
      { status: status(200, 'replicas_status-verbose-ok.txt'), tables: ok(rows) },
      thresholds,
    );
    expect(checks[0]).toMatchObject({ status: 'warn', values: { maxQueueSize: 150 } });
    expect(checks[0]?.summary).toMatch(/queue of 150 entries on analytics\.events_local \(warn ≥ 100\)/);
    expect(checks.slice(1).every((check) => check.status === 'warn')).toBe(true);
  });

  it('goes critical when tables are readonly after a session expiry, with an actionable line', () => {
    const checks = assessReplica(
      'primary',
      { name: 'ch-03' },
      probeOf([200, 'replicas_status-verbose-readonly.txt'], 'system_replicas-readonly.jsonl'),
      thresholds,
    );

    expect(checks[0]).toMatchObject({
      status: 'critical',
      values: { readonlyTables: 3, sessionExpiredTables: 3 },
    });
    expect(checks[0]?.summary).toMatch(
      /^ch-03: 3 tables readonly \(ZooKeeper session expired\); replication delay 457 s .* — check coordination quorum$/,
    );
    expect(checks.slice(1).map((check) => check.status)).toEqual(['critical', 'critical', 'critical']);
    expect(checks[3]?.summary).toBe(
      'analytics.sessions_local@ch-03: readonly (ZooKeeper session expired) — check coordination quorum',
    );
  });

  it('does not mistake the Unix-time delay of a never-loaded queue for a delay', () => {
    const probe: ReplicaProbe = {
      status: ok({
        kind: 'readonly',
        httpStatus: 200,
        listed: true,
        tables: [
          {
            database: 'analytics',
            table: 'events_local',
            state: 'readonly',
            absoluteDelay: null,
            relativeDelay: null,
          },
        ],
      }),
      tables: ok(parseReplicaRows(jsonLines('system_replicas-readonly-since-startup.jsonl'))),
    };
    const [server, table] = assessReplica('standby', { name: 'ch-03' }, probe, thresholds);
    expect(server).toMatchObject({
      status: 'critical',
      values: { maxAbsoluteDelay: null, readonlyTables: 1 },
    });
    expect(server?.summary).toBe(
      'ch-03: 1 table readonly (ZooKeeper session expired) — check coordination quorum',
    );
    expect(table?.kind === 'replica-tables' && table.values.absoluteDelay).toBeNull();
  });

  it('calls a server that answers neither way unreachable', () => {
    const checks = assessReplica(
      'primary',
      { name: 'ch-01' },
      { status: failed(PROBE_FAILURES.refused), tables: failed(PROBE_FAILURES.refused) },
      thresholds,
    );
    expect(checks).toEqual([
      expect.objectContaining({
        status: 'critical',
        summary: 'ch-01: unreachable: connection refused — is clickhouse-server running?',
        values: expect.objectContaining({ reachable: false, statusProbe: 'CONNECTION_REFUSED' }),
      }),
    ]);
  });

  it('tells refused credentials apart from an unreachable server', () => {
    const checks = assessReplica(
      'primary',
      { name: 'ch-01' },
      {
        status: failed(PROBE_FAILURES.timeout),
        tables: failed(PROBE_FAILURES.authFailed, 'AUTHENTICATION_FAILED'),
      },
      thresholds,
    );
    expect(checks[0]?.summary).toBe(
      'ch-01: cannot read replication state: credentials refused (AUTHENTICATION_FAILED) — check the user and its password secret',
    );
    expect(findCheck(checks, 'replica-status', 'ch-01')?.values.reachable).toBe(true);
  });

  it('reads an 18.16 readonly replica (500 TABLE_IS_READ_ONLY from /replicas_status) as readonly, not as unavailable', () => {
    const probe: ReplicaProbe = {
      status: failed(PROBE_FAILURES.serverError, 'TABLE_IS_READ_ONLY'),
      tables: ok(parseReplicaRows(jsonLines('system_replicas-18.16-readonly.jsonl', fixture1816))),
    };
    const [server, table] = assessReplica('primary', { name: 'ch1' }, probe, thresholds);
    expect(server).toMatchObject({
      status: 'critical',
      summary: 'ch1: 1 table readonly (ZooKeeper session expired) — check coordination quorum',
    });
    expect(table).toMatchObject({
      subject: 'default.heart_beat@ch1',
      status: 'critical',
      values: { readonly: true, totalReplicas: 0 },
    });
  });

  it('falls back on the 500 TABLE_IS_READ_ONLY alone when system.replicas is silent', () => {
    const checks = assessReplica(
      'standby',
      { name: 'ch-03' },
      { status: failed(PROBE_FAILURES.serverError, 'TABLE_IS_READ_ONLY'), tables: ok([]) },
      thresholds,
    );
    expect(checks[0]).toMatchObject({ status: 'critical' });
    expect(checks[0]?.summary).toMatch(/tables readonly \(TABLE_IS_READ_ONLY from \/replicas_status\)/);
  });

  it('is ok on a real 18.16 replica that is a few seconds behind', () => {
    const probe: ReplicaProbe = {
      status: ok({
        kind: 'delayed',
        httpStatus: 200,
        listed: true,
        tables: [
          { database: 'default', table: 'heart_beat', state: 'delayed', absoluteDelay: 7, relativeDelay: 0 },
        ],
      }),
      tables: ok(parseReplicaRows(jsonLines('system_replicas-18.16-fetches-stopped.jsonl', fixture1816))),
    };
    const checks = assessReplica('standby', { name: 'ch3' }, probe, thresholds);
    expect(checks).toEqual([
      expect.objectContaining({ status: 'ok', summary: 'ch3: 1 replicated table in sync (max delay 7 s)' }),
    ]);
  });

  it('still judges from /replicas_status when system.replicas cannot be read, and says which view is missing', () => {
    const checks = assessReplica(
      'standby',
      { name: 'ch-03' },
      { status: status(200, 'replicas_status-verbose-readonly.txt'), tables: failed(PROBE_FAILURES.timeout) },
      thresholds,
    );
    expect(checks[0]).toMatchObject({
      status: 'critical',
      values: { readonlyTables: 3, tablesProbe: 'TIMEOUT' },
    });
    expect(checks[0]?.summary).toMatch(
      /^ch-03: 3 tables readonly; system\.replicas unavailable: no reply in time — /,
    );
    expect(checks).toHaveLength(4);
  });

  it('warns, not fails, when only /replicas_status is missing', () => {
    const checks = assessReplica(
      'primary',
      { name: 'ch-01' },
      {
        status: failed(PROBE_FAILURES.httpError),
        tables: ok(parseReplicaRows(jsonLines('system_replicas-healthy.jsonl'))),
      },
      thresholds,
    );
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/\/replicas_status unavailable: unexpected HTTP status/),
    });
  });

  it('produces JSON-serialisable checks', () => {
    const checks = assessReplica(
      'standby',
      { name: 'ch-02' },
      probeOf([503, 'replicas_status-delayed.txt'], 'system_replicas-lagging.jsonl'),
      thresholds,
    );
    expect(JSON.parse(JSON.stringify(checks))).toEqual(checks);
  });
});
