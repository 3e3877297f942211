import { findCheck } from '../../lib/health/index.js';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  assessReplica,
  ClickHouseRequestError,
  CLICKHOUSE_ERROR_CODES,
  createClickHouseConnection,
  probeReplica,
  type ClickHouseConnection,
  type ReplicaProbe,
} from '../../lib/clickhouse/index.js';
import {
  assessHeartbeat,
  readHeartbeats,
  writeHeartbeat,
  type HeartbeatReading,
} from '../../lib/heartbeat/index.js';
import { readState, startNode, stopNode, type ClickHouseNodeState } from '../../lib/localcluster/index.js';
import { PROBE_FAILURES, systemClock, type ProbeResult } from '../../lib/probe/index.js';
import { until } from '../support/wait.js';
import { REPLICA_THRESHOLDS } from '../unit/clickhouse/fixtures.js';

// The transport, probes and heartbeat against real ClickHouse 18.16 servers: the shared local cluster of
// test/support/global-setup.ts (ZooKeeper zk1-zk3 voting on the primary site, zk4 observing; ch1, ch2 primary, ch3 standby).
const clusterDir = inject('clusterDir');
const clock = systemClock;
const thresholds = {
  ...REPLICA_THRESHOLDS,
  heartbeatLagWarnSeconds: 20,
  heartbeatLagCriticalSeconds: 40,
  stalledCycles: 2,
};
/** A heartbeat table of this suite's own, so the monitoring suite's `default.heart_beat` is left alone. */
const itHeartbeat = {
  database: 'chdr_it',
  table: 'heart_beat',
  zooKeeperPath: '/clickhouse/tables/chdr_it/heart_beat',
};
const options = { requestTimeoutMs: 10_000, keepAlive: true };

const nodes = new Map<string, ClickHouseNodeState>();
const connections = new Map<string, ClickHouseConnection>();
const open: ClickHouseConnection[] = [];

const connect = (name: string, user = 'default', password?: string): ClickHouseConnection => {
  const node = nodes.get(name)!;
  const connection = createClickHouseConnection(
    { host: node.host, httpPort: node.httpPort, tls: false, user },
    password,
    options,
  );
  open.push(connection);
  return connection;
};
const ch = (name: string): ClickHouseConnection => connections.get(name)!;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const isReadonly = (probe: ReplicaProbe, table: string): boolean =>
  probe.tables.ok &&
  probe.tables.value.some(
    (row) => row.table === table && row.database === itHeartbeat.database && row.isReadonly,
  );

beforeAll(async () => {
  const state = await readState(clusterDir);
  for (const node of state.nodes) if (node.kind === 'clickhouse') nodes.set(node.name, node);
  for (const name of ['ch1', 'ch2', 'ch3']) connections.set(name, connect(name));
});

afterAll(async () => {
  await Promise.allSettled(
    ['ch1', 'ch2', 'ch3'].map((name) =>
      ch(name).exec(`DROP TABLE IF EXISTS ${itHeartbeat.database}.${itHeartbeat.table}`, {
        timeoutMs: 10_000,
      }),
    ),
  );
  await Promise.allSettled(open.map((connection) => connection.close()));
});

describe('ClickHouse transport against 18.16', () => {
  it('queries over HTTP with no setting 18.16 rejects; UInt64 arrives quoted', async () => {
    const rows = await ch('ch1').queryRows<{ version: string; big: string; small: number }>(
      'SELECT version() AS version, toUInt64(5) AS big, toUInt32(7) AS small',
      { timeoutMs: 5_000 },
    );
    expect(rows).toEqual([{ version: expect.stringMatching(/^18\.16\./), big: '5', small: 7 }]);
    await expect(ch('ch1').exec('SELECT 1', { timeoutMs: 5_000 })).resolves.toBeUndefined();
  });

  it('parses a real 18.16 exception into code and type', async () => {
    const error = await ch('ch1')
      .queryRows('SELECT * FROM chdr_nope.nope', { timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseRequestError);
    expect(error).toMatchObject({
      code: CLICKHOUSE_ERROR_CODES.server,
      failure: PROBE_FAILURES.serverError,
      exception: { code: 81, type: 'UNKNOWN_DATABASE', message: "Database chdr_nope doesn't exist" },
    });
  });

  it('reports refused credentials as AUTH_FAILED and never repeats the password', async () => {
    const password = 'not-the-password-42';
    const wrong = await connect('ch1', 'default', password)
      .queryRows('SELECT 1', { timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    const unknown = await connect('ch1', 'chdr_nobody')
      .queryRows('SELECT 1', { timeoutMs: 5_000 })
      .catch((e: unknown) => e);

    expect(wrong).toMatchObject({
      failure: PROBE_FAILURES.authFailed,
      exception: { code: 193, type: 'WRONG_PASSWORD' },
    });
    expect(unknown).toMatchObject({
      failure: PROBE_FAILURES.authFailed,
      exception: { code: 192, type: 'UNKNOWN_USER' },
    });
    expect(JSON.stringify(wrong) + String((wrong as Error).message)).not.toContain(password);
  });

  it('gives up at its own deadline as a timeout, and the connection works afterwards', async () => {
    const started = Date.now();
    const error = await ch('ch2')
      .queryRows('SELECT sleep(3)', { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: CLICKHOUSE_ERROR_CODES.timeout, failure: PROBE_FAILURES.timeout });
    expect(Date.now() - started).toBeLessThan(2_500);
    await expect(ch('ch2').queryRows('SELECT 1 AS one', { timeoutMs: 5_000 })).resolves.toEqual([{ one: 1 }]);
  });

  it('reports a closed port as CONNECTION_REFUSED', async () => {
    // A port that was just free (port 1 would not do: fetch refuses "bad ports" before connecting).
    const httpPort = await freePort();
    const closed = createClickHouseConnection(
      { host: '127.0.0.1', httpPort, tls: false, user: 'default' },
      undefined,
      options,
    );
    open.push(closed);
    await expect(closed.replicasStatus({ verbose: true, timeoutMs: 2_000 })).rejects.toMatchObject({
      failure: PROBE_FAILURES.refused,
    });
    await expect(closed.queryRows('SELECT 1', { timeoutMs: 2_000 })).rejects.toMatchObject({
      failure: PROBE_FAILURES.refused,
    });
  });
});

describe('replica probe and heartbeat against the replicated cluster', () => {
  it('probes a healthy replica both ways and calls it ok', async () => {
    const probe = await probeReplica(ch('ch1'), { timeoutMs: 5_000, clock });

    expect(probe.status).toMatchObject({ ok: true, value: { kind: 'ok', httpStatus: 200, listed: true } });
    expect(probe.tables.ok && probe.tables.value.find((row) => row.table === 'heart_beat')).toMatchObject({
      database: 'default',
      replicaName: 'ch1',
      isReadonly: false,
      totalReplicas: 3,
      activeReplicas: 3,
      readonlySince: null,
    });
    const [status] = assessReplica('primary', { name: 'ch1' }, probe, thresholds);
    expect(status).toMatchObject({
      kind: 'replica-status',
      status: 'ok',
      values: { reachable: true, readonlyTables: 0 },
    });
  });

  it('creates the heartbeat table on first write, replicates it across sites and reads the lag', async () => {
    // One site after the other: first creations of one replicated table race in ZooKeeper.
    const primary = await writeHeartbeat(ch('ch1'), 'primary', itHeartbeat, { timeoutMs: 10_000, clock });
    const standby = await writeHeartbeat(ch('ch3'), 'standby', itHeartbeat, { timeoutMs: 10_000, clock });
    expect(primary).toMatchObject({ ok: true, value: { createdTable: true } });
    expect(standby).toMatchObject({ ok: true, value: { createdTable: true } });
    const again = await writeHeartbeat(ch('ch1'), 'primary', itHeartbeat, { timeoutMs: 10_000, clock });
    expect(again).toMatchObject({ ok: true, value: { createdTable: false } });

    const read = await until(
      () => readHeartbeats(ch('ch3'), itHeartbeat, { timeoutMs: 5_000, clock }),
      (result: ProbeResult<HeartbeatReading>) =>
        result.ok && result.value.rows.some((row) => row.siteId === 'primary'),
      20_000,
    );
    const { checks } = assessHeartbeat({
      selfSite: 'standby',
      sources: ['primary'],
      read,
      write: standby,
      previous: undefined,
      thresholds,
      clock,
    });
    expect(checks.map((check) => [check.kind, check.status])).toEqual([
      ['heartbeat-write', 'ok'],
      ['heartbeat-lag', 'ok'],
    ]);
    expect(findCheck(checks, 'heartbeat-lag', 'primary')?.values.lagSeconds).toBeLessThanOrEqual(5);
  });

  it('sees TABLE_IS_READ_ONLY everywhere once ZooKeeper loses quorum, and recovers', async () => {
    await writeHeartbeat(ch('ch2'), 'primary', itHeartbeat, { timeoutMs: 10_000, clock });
    await stopNode(clusterDir, 'zk1');
    await stopNode(clusterDir, 'zk2');
    try {
      const probe = await until(
        () => probeReplica(ch('ch2'), { timeoutMs: 5_000, clock }),
        (p) => isReadonly(p, itHeartbeat.table),
        60_000,
      );

      // 18.16 has no readonly branch in /replicas_status: it answers 500 with the exception.
      expect(probe.status).toMatchObject({
        ok: false,
        code: PROBE_FAILURES.serverError,
        serverErrorType: 'TABLE_IS_READ_ONLY',
      });
      const [status] = assessReplica('primary', { name: 'ch2' }, probe, thresholds);
      expect(status).toMatchObject({
        status: 'critical',
        summary: expect.stringMatching(
          /^ch2: 2 tables readonly \(ZooKeeper session expired\) — check coordination quorum$/,
        ),
      });

      const write = await writeHeartbeat(ch('ch2'), 'primary', itHeartbeat, { timeoutMs: 5_000, clock });
      expect(write).toMatchObject({
        ok: false,
        code: PROBE_FAILURES.serverError,
        serverErrorType: 'TABLE_IS_READ_ONLY',
      });
      const { checks } = assessHeartbeat({
        selfSite: 'primary',
        sources: ['standby'],
        read: await readHeartbeats(ch('ch2'), itHeartbeat, { timeoutMs: 5_000, clock }),
        write,
        previous: undefined,
        thresholds,
        clock,
      });
      expect(checks[0]?.summary).toBe(
        'heartbeat write failed: table is readonly (TABLE_IS_READ_ONLY) — coordination has no quorum?',
      );
    } finally {
      await startNode(clusterDir, 'zk1');
      await startNode(clusterDir, 'zk2');
    }
    const healed = await until(
      () => probeReplica(ch('ch2'), { timeoutMs: 5_000, clock }),
      (p) => p.status.ok && p.tables.ok && p.tables.value.every((row) => !row.isReadonly),
      60_000,
    );
    expect(assessReplica('primary', { name: 'ch2' }, healed, thresholds)[0]?.status).toBe('ok');
    await expect(
      writeHeartbeat(ch('ch2'), 'primary', itHeartbeat, { timeoutMs: 10_000, clock }),
    ).resolves.toMatchObject({ ok: true });
  });
});
