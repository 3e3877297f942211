import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  assessReplica,
  createClickHouseConnection,
  probeReplica,
  type ClickHouseConnection,
} from '../../lib/clickhouse/index.js';
import { loadTopology, type Topology } from '../../lib/config/index.js';
import { findCheck } from '../../lib/health/index.js';
import { systemClock } from '../../lib/probe/index.js';

// Issue 13.5 on the real ClickHouse 18.16 of the local cluster: every server-wide figure is readable there.
let topology: Topology;
let connection: ClickHouseConnection;

beforeAll(async () => {
  topology = await loadTopology(inject('topologyPath'));
  const replica = topology.sites[0]!.replicas[0]!;
  connection = createClickHouseConnection(replica, undefined, { requestTimeoutMs: 10_000, keepAlive: false });
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
});
