import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeCachedConnections } from '../../lib/clickhouse/index.js';
import { loadTopology, type Topology } from '../../lib/config/index.js';
import { parseTopology, withExtraEndpoints } from '../../lib/config/parse.js';
import { replicaConnector, runCycle, type Connect, type HealthReport } from '../../lib/cycle/index.js';
import { findCheck, type CheckKind } from '../../lib/health/index.js';
import type { HeartbeatMemory } from '../../lib/heartbeat/index.js';
import {
  startBlackhole,
  startFetches,
  startNode,
  stopFetches,
  stopNode,
  type Blackhole,
} from '../../lib/localcluster/index.js';
import { systemClock } from '../../lib/probe/index.js';
import { until } from '../support/wait.js';

// Issue 3 acceptance against the real local cluster (ZooKeeper 3.8 ensemble + observer, ClickHouse 18.16).
const clusterDir = inject('clusterDir');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let base: Topology;
/** Thresholds short enough for a test: lag warn at 3 s, critical at 6 s. */
let topology: Topology;
let connect: Connect;
const memory = new Map<string, HeartbeatMemory>();

const cycle = async (
  site: string,
  options: { topology?: Topology; connect?: Connect } = {},
): Promise<HealthReport> => {
  const report = await runCycle({
    topology: options.topology ?? topology,
    siteName: site,
    clock: systemClock,
    connect: options.connect ?? connect,
    ...(memory.has(site) ? { previousHeartbeat: memory.get(site)! } : {}),
  });
  memory.set(site, report.heartbeatMemory);
  return report;
};
const bothSites = () => Promise.all([cycle('primary'), cycle('standby')]);
const find = <K extends CheckKind>(report: HealthReport, kind: K, subject: string) =>
  findCheck(report.checks, kind, subject);

beforeAll(async () => {
  base = await loadTopology(inject('topologyPath'));
  topology = parseTopology({
    ...structuredClone(base),
    thresholds: { ...base.thresholds, heartbeatLagWarnSeconds: 3, heartbeatLagCriticalSeconds: 6 },
  });
  connect = await replicaConnector(topology, { env: {} });
});

afterAll(async () => {
  await closeCachedConnections();
});

describe('monitoring cycle on the local two-site cluster', () => {
  it('reports every check ok on a healthy cluster, with heartbeat lag within two cycles', async () => {
    await bothSites();
    await sleep(1_000);
    const reports = await until(bothSites, (rs) => rs.every((r) => r.status === 'ok'), 20_000);

    for (const report of reports) {
      const lag = report.checks.find((check) => check.kind === 'heartbeat-lag')!;
      expect(lag.values.lagSeconds).toBeLessThanOrEqual(3);
      expect(report.lagMethod).toBe('reader now() - max(updated_at)');
    }
    const [primary] = reports;
    expect(find(primary!, 'coordination-ensemble', 'quorum')?.values).toMatchObject({
      quorum: true,
      participantsUp: 3,
    });
    expect(find(primary!, 'coordination-ensemble', 'observers')?.status).toBe('ok');
    expect(
      primary!.checks.filter((check) => check.kind === 'replica-status').map((check) => check.subject),
    ).toEqual(['ch1', 'ch2']);
  });

  it('sees the primary heartbeat lag grow on the standby when its fetches stop, and recover when they restart', async () => {
    await stopFetches(clusterDir, 'ch3');
    try {
      const critical = await until(
        async () => {
          await cycle('primary');
          return cycle('standby');
        },
        (report) => find(report, 'heartbeat-lag', 'primary')?.status === 'critical',
        30_000,
      );
      const lag = find(critical, 'heartbeat-lag', 'primary')!;
      expect(lag.summary).toMatch(/primary/);
      expect(Number(lag.values.unchangedCycles)).toBeGreaterThanOrEqual(1);
    } finally {
      await startFetches(clusterDir, 'ch3');
    }
    const healed = await until(
      async () => {
        await cycle('primary');
        return cycle('standby');
      },
      (report) => find(report, 'heartbeat-lag', 'primary')?.status === 'ok',
      30_000,
    );
    expect(Number(find(healed, 'heartbeat-lag', 'primary')!.values.lagSeconds)).toBeLessThan(6);
  });

  it('warns with one ZooKeeper participant stopped: quorum held', async () => {
    await stopNode(clusterDir, 'zk1');
    try {
      const report = await until(
        () => cycle('primary'),
        (r) =>
          find(r, 'coordination-node', 'zk1')?.values.role === 'unreachable' &&
          find(r, 'coordination-ensemble', 'quorum')?.status === 'warn' &&
          // If zk1 led, the election leaves replicas read-only for 10-15 s: judge once it settled.
          r.checks.every((check) => check.status !== 'critical'),
        45_000,
      );
      expect(find(report, 'coordination-ensemble', 'quorum')!.values).toMatchObject({
        quorum: true,
        participantsUp: 2,
      });
      expect(find(report, 'coordination-node', 'zk1')!.status).toBe('warn');
      expect(report.checks.filter((check) => check.status === 'critical')).toEqual([]);
    } finally {
      await startNode(clusterDir, 'zk1');
    }
  });

  it('is critical with two participants stopped: replicas readonly, heartbeat write fails with the reason', async () => {
    await stopNode(clusterDir, 'zk1');
    await stopNode(clusterDir, 'zk2');
    try {
      const report = await until(
        () => cycle('primary'),
        (r) =>
          find(r, 'heartbeat-write', 'primary')?.status === 'critical' &&
          Number(find(r, 'replica-status', 'ch1')?.values.readonlyTables) > 0,
        60_000,
      );
      expect(report.status).toBe('critical');
      expect(find(report, 'coordination-ensemble', 'quorum')!.values.quorum).toBe(false);
      expect(find(report, 'heartbeat-write', 'primary')!.summary).toMatch(/readonly|ZooKeeper|quorum/i);
      expect(find(report, 'replica-status', 'ch1')!.status).toBe('critical');
    } finally {
      await startNode(clusterDir, 'zk1');
      await startNode(clusterDir, 'zk2');
    }
    await until(
      bothSites,
      (rs) =>
        rs.every(
          (r) =>
            find(r, 'heartbeat-write', r.site)?.status === 'ok' &&
            find(r, 'coordination-ensemble', 'quorum')?.status === 'ok',
        ),
      90_000,
    );
  });

  describe('with a blackholed endpoint in the topology', () => {
    let blackhole: Blackhole;
    let silentKeeper: Blackhole;
    beforeAll(async () => {
      [blackhole, silentKeeper] = await Promise.all([startBlackhole(), startBlackhole()]);
    });
    afterAll(async () => {
      await Promise.all([blackhole.close(), silentKeeper.close()]);
    });

    it('still finishes within the probe timeout plus a small margin, with that endpoint failing', async () => {
      const withBlackhole = withExtraEndpoints(topology, 'standby', {
        replicas: [{ name: 'ch-blackhole', host: blackhole.host, httpPort: blackhole.port }],
        coordination: [
          {
            name: 'zk-blackhole',
            kind: 'zookeeper',
            host: silentKeeper.host,
            clientPort: silentKeeper.port,
            role: 'observer',
          },
        ],
      });
      const blackholeConnect = await replicaConnector(withBlackhole, { env: {} });

      const report = await cycle('standby', { topology: withBlackhole, connect: blackholeConnect });

      expect(report.durationMs).toBeLessThan(withBlackhole.timeouts.probeMs + 1_500);
      expect(find(report, 'replica-status', 'ch-blackhole')).toMatchObject({
        status: 'critical',
        values: { statusProbe: 'TIMEOUT' },
      });
      expect(find(report, 'coordination-node', 'zk-blackhole')).toMatchObject({
        values: { role: 'unreachable' },
      });
      expect(find(report, 'replica-status', 'ch3')?.status).toBe('ok');
    });
  });
});
