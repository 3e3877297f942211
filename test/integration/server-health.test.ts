import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  assessReplica,
  closeCachedConnections,
  createClickHouseConnection,
  probeReplica,
  type ClickHouseConnection,
} from '../../lib/clickhouse/index.js';
import { loadTopology, type Topology } from '../../lib/config/index.js';
import { readFile } from 'node:fs/promises';
import { replicaConnector, runCycle } from '../../lib/cycle/index.js';
import { findCheck } from '../../lib/health/index.js';
import { readState } from '../../lib/localcluster/index.js';
import { systemClock } from '../../lib/probe/index.js';

// Issue 13.5 on the real ClickHouse 18.16 of the local cluster: every server-wide figure is readable there.
let topology: Topology;
let connection: ClickHouseConnection;

beforeAll(async () => {
  topology = await loadTopology(inject('topologyPath'));
  const replica = topology.sites[0]!.replicas[0]!;
  connection = createClickHouseConnection(replica, undefined, { requestTimeoutMs: 10_000, keepAlive: false });
  // A part to count, whichever test files ran before this one (the site's own heartbeat, as its agent writes).
  await connection.exec(
    `INSERT INTO ${topology.heartbeat.database}.${topology.heartbeat.table} (site_id, updated_at) VALUES ('${topology.sites[0]!.name}', now())`,
    { timeoutMs: 10_000 },
  );
});

afterAll(async () => {
  await connection.close();
});

describe('server-wide figures on ClickHouse 18.16', () => {
  it('reads the clock, the busiest partition, the event counters and the coordination sessions', async () => {
    const probe = await probeReplica(connection, { timeoutMs: 5_000, clock: systemClock });

    expect(probe.server).toMatchObject({ ok: true });
    const server = probe.server!.ok ? probe.server!.value : undefined;
    // Same host, same clock: the server's whole-second now() is within a second of the agent's.
    expect(Math.abs(server!.clockSkewSeconds!)).toBeLessThanOrEqual(1);
    expect(server!.busiestPartition?.parts).toBeGreaterThanOrEqual(1);
    expect(server!.zooKeeperSessions).toBe(1);
    for (const value of Object.values(server!.counters)) expect(value).toBeGreaterThanOrEqual(0);
  });

  it('judges a second cycle against the first one: no counter moved on a quiet healthy server', async () => {
    const name = topology.sites[0]!.replicas[0]!.name;
    const first = await probeReplica(connection, { timeoutMs: 5_000, clock: systemClock });
    const second = await probeReplica(connection, { timeoutMs: 5_000, clock: systemClock });
    const previous = first.server!.ok ? first.server!.value.counters : undefined;

    const check = findCheck(
      assessReplica(topology.sites[0]!.name, { name }, second, topology.thresholds, previous),
      'replica-status',
      name,
    );

    expect(check).toMatchObject({
      status: 'ok',
      values: { rejectedInserts: 0, delayedInserts: 0, zooKeeperHardwareExceptions: 0, zooKeeperSessions: 1 },
    });
  });

  it('sees that 18.16 has no system.users: a cycle reports the users as not checkable without asking, so the server logs no exception', async () => {
    const site = topology.sites[0]!;
    const replica = site.replicas[0]!;
    const node = (await readState(inject('clusterDir')))!.nodes.find((n) => n.name === replica.name)!;
    const errorLog = node.kind === 'clickhouse' ? node.errorLogPath : '';
    const mentions = async () => (await readFile(errorLog, 'utf8')).split('system.users').length - 1;
    const before = await mentions();

    const probe = await probeReplica(connection, { timeoutMs: 5_000, clock: systemClock });
    const connect = await replicaConnector(topology, { env: process.env });
    const report = await runCycle({ topology, siteName: site.name, clock: systemClock, connect });
    await closeCachedConnections();

    expect(await mentions()).toBe(before);
    expect(probe.server).toMatchObject({ ok: true, value: { usersTable: false } });
    expect(findCheck(report.checks, 'security', `${replica.name}:USERS_NOT_CHECKABLE`)?.summary).toMatch(
      /users not checked \(the server has no system\.users table\)/,
    );
  });
});
