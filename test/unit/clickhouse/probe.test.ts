import { describe, expect, it } from 'vitest';
import { probeReplica, REPLICA_COLUMNS, REPLICAS_QUERY } from '../../../lib/clickhouse/index.js';
import { PROBE_FAILURES } from '../../../lib/probe/index.js';
import { fakeConnection, manualClock, serverError, transportError } from './fake-connection.js';
import { fixture, jsonLines } from './fixtures.js';

describe('probeReplica', () => {
  it('asks /replicas_status, system.replicas and the server-wide figures at the same time and parses both views', async () => {
    let inFlight = 0;
    let most = 0;
    const track = async <T>(value: T): Promise<T> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return value;
    };
    const connection = fakeConnection({
      replicasStatus: () => track({ httpStatus: 503, body: fixture('replicas_status-delayed.txt') }),
      queryRows: () => track(jsonLines('system_replicas-lagging.jsonl')),
    });

    const probe = await probeReplica(connection, { timeoutMs: 1500, clock: manualClock() });

    // /replicas_status, system.replicas and the one server-wide statement.
    expect(most).toBe(3);
    expect(probe.status).toMatchObject({ ok: true, value: { kind: 'delayed', httpStatus: 503 } });
    expect(probe.tables.ok && probe.tables.value.map((table) => table.absoluteDelay)).toEqual([912, 131, 0]);
    expect(connection.calls.map((call) => call.timeoutMs)).toEqual(Array(3).fill(1500));
  });

  it('queries every database with a column list that ClickHouse 18.16 has, without a FORMAT clause', () => {
    expect(REPLICAS_QUERY).toBe(
      `SELECT ${REPLICA_COLUMNS.join(', ')} FROM system.replicas ORDER BY database, table`,
    );
    expect(REPLICAS_QUERY).not.toMatch(
      /WHERE|FORMAT|readonly_start_time|zookeeper_exception|replica_is_active/,
    );
  });

  it('returns failures as results, keeping the exception type, and never throws', async () => {
    const connection = fakeConnection({
      replicasStatus: transportError(PROBE_FAILURES.refused),
      queryRows: serverError(
        'Code: 516. DB::Exception: chdr: Authentication failed. (AUTHENTICATION_FAILED) (version 24.8.4.13 (official build))',
      ),
    });

    const probe = await probeReplica(connection, { timeoutMs: 1000, clock: manualClock() });

    expect(probe.status).toMatchObject({ ok: false, code: PROBE_FAILURES.refused, elapsedMs: 0 });
    expect(probe.tables).toMatchObject({
      ok: false,
      code: PROBE_FAILURES.authFailed,
      serverErrorType: 'AUTHENTICATION_FAILED',
    });
  });

  it('reports a 500 from /replicas_status as a server failure with its type', async () => {
    const connection = fakeConnection({
      replicasStatus: {
        httpStatus: 500,
        body: 'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception\n',
      },
      queryRows: [],
    });
    const probe = await probeReplica(connection, { timeoutMs: 1000, clock: manualClock() });
    expect(probe.status).toMatchObject({
      ok: false,
      code: PROBE_FAILURES.serverError,
      serverErrorType: 'TABLE_IS_READ_ONLY',
    });
    expect(probe.tables).toMatchObject({ ok: true, value: [] });
  });

  it('reports unparseable replies as BAD_REPLY', async () => {
    const connection = fakeConnection({
      replicasStatus: { httpStatus: 200, body: '<html>hello</html>' },
      queryRows: [{ database: 'x' }],
    });
    const probe = await probeReplica(connection, { timeoutMs: 1000, clock: manualClock() });
    expect(probe.status).toMatchObject({ ok: false, code: PROBE_FAILURES.badReply });
    expect(probe.tables).toMatchObject({ ok: false, code: PROBE_FAILURES.badReply });
    expect(!probe.tables.ok && probe.tables.reason).toMatch(/system\.replicas row 1: table/);
  });
});
