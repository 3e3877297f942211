import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadTopology } from '../../lib/config/index.js';
import {
  down,
  readState,
  startBlackhole,
  startFetches,
  startNode,
  status,
  stopFetches,
  stopNode,
  up,
  type ClickHouseNodeState,
  type ClusterState,
} from '../../lib/localcluster/index.js';
import { sql } from '../support/cluster.js';
import { until } from '../support/wait.js';

const clusterDir = inject('clusterDir');

const replica = (state: ClusterState, name: string): ClickHouseNodeState =>
  state.nodes.find((node): node is ClickHouseNodeState => node.kind === 'clickhouse' && node.name === name)!;

/** True while a process with this pid runs (zombies, which have exited, count as gone). */
const isAlive = async (pid: number): Promise<boolean> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
};

describe('the shared local cluster', () => {
  let state: ClusterState;
  beforeAll(async () => {
    state = await readState(clusterDir);
  });

  it('has a ZooKeeper leader, two followers and the observer, and every replica answering', async () => {
    const report = await status(clusterDir);

    expect(report.healthy).toBe(true);
    const modes = Object.fromEntries(
      report.nodes.filter((n) => n.kind === 'zookeeper').map((n) => [n.name, n.mode]),
    );
    expect(modes.zk4).toBe('observer');
    expect(['zk1', 'zk2', 'zk3'].map((name) => modes[name]).sort()).toEqual([
      'follower',
      'follower',
      'leader',
    ]);
    expect(report.nodes.filter((n) => n.kind === 'clickhouse').every((n) => n.ready)).toBe(true);
  });

  it('writes a topology that validates and names the same ports as state.json', async () => {
    const topology = await loadTopology(inject('topologyPath'));

    const replicas = topology.sites.flatMap((site) => site.replicas.map((r) => [r.name, r.httpPort]));
    expect(replicas).toEqual(['ch1', 'ch2', 'ch3'].map((name) => [name, replica(state, name).httpPort]));
    expect(topology.sites[1]!.coordination[0]).toMatchObject({ name: 'zk4', role: 'observer' });
  });

  it('replicates a heartbeat row written at a primary replica to the standby replica', async () => {
    const site = `primary-${Date.now()}`;

    await sql(
      replica(state, 'ch1').httpPort,
      `INSERT INTO default.heart_beat (site_id, updated_at) VALUES ('${site}', now())`,
    );

    const seen = await until(
      () =>
        sql(
          replica(state, 'ch3').httpPort,
          `SELECT count() FROM default.heart_beat WHERE site_id = '${site}'`,
        ),
      (body) => body.trim() === '1',
      30_000,
    );
    expect(seen.trim()).toBe('1');
    const replicas = await sql(
      replica(state, 'ch3').httpPort,
      "SELECT is_readonly, active_replicas, total_replicas FROM system.replicas WHERE table = 'heart_beat' FORMAT TSV",
    );
    expect(replicas.trim()).toBe('0\t3\t3');
  });

  it('holds parts back from the standby while its fetches are stopped, and delivers them once they restart', async () => {
    const site = `fetch-test-${Date.now()}`;
    const count = (name: string) =>
      sql(
        replica(state, name).httpPort,
        `SELECT count() FROM default.heart_beat WHERE site_id LIKE '${site}%'`,
      );
    await stopFetches(clusterDir, 'ch3');
    try {
      await sql(replica(state, 'ch2').httpPort, `INSERT INTO default.heart_beat VALUES ('${site}-a', now())`);
      // ch1, still fetching, gets the part; ch3 does not.
      await until(
        () => count('ch1'),
        (body) => body.trim() === '1',
        30_000,
      );
      expect((await count('ch3')).trim()).toBe('0');
    } finally {
      await startFetches(clusterDir, 'ch3');
    }
    // 18.16 does not wake the replication queue on START FETCHES (it retries after ~10 s); the next
    // write does, as heartbeats keep coming in real use.
    await sql(replica(state, 'ch2').httpPort, `INSERT INTO default.heart_beat VALUES ('${site}-b', now())`);
    expect(
      (
        await until(
          () => count('ch3'),
          (body) => body.trim() === '2',
          30_000,
        )
      ).trim(),
    ).toBe('2');
  });

  it('stops a replica by name and starts it again from its config file', async () => {
    const ch2 = replica(state, 'ch2');

    expect(await stopNode(clusterDir, 'ch2')).toBe(true);
    await expect(sql(ch2.httpPort, 'SELECT 1')).rejects.toThrow();
    expect((await readState(clusterDir)).nodes.find((n) => n.name === 'ch2')!.pid).toBeNull();

    expect(await startNode(clusterDir, 'ch2')).toBe(true);
    expect((await sql(ch2.httpPort, 'SELECT 1')).trim()).toBe('1');
    expect(await startNode(clusterDir, 'ch2')).toBe(false);
  });

  it('offers a blackhole that accepts a connection and never answers', async () => {
    const blackhole = await startBlackhole();
    try {
      const outcome = await new Promise<string>((resolve) => {
        const socket = createConnection({ host: blackhole.host, port: blackhole.port }, () =>
          socket.write('ruok'),
        );
        socket.on('data', () => resolve('answered'));
        socket.on('close', () => resolve('closed'));
        socket.on('error', () => resolve('error'));
        socket.setTimeout(500, () => {
          socket.destroy();
          resolve('silent');
        });
      });
      expect(outcome).toBe('silent');
    } finally {
      await blackhole.close();
    }
  });
});

describe('a second cluster, up and down', () => {
  // Its own directory and port base (HTTP 12123-12125, ZooKeeper 15811-15814): the shared one keeps running.
  const portBase = 12_000;
  let parent: string;
  let dir: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'chdr-cluster-test-'));
    dir = join(parent, 'cluster');
  });
  afterAll(async () => {
    if (!parent) return;
    await down({ dir });
    await rm(parent, { recursive: true, force: true });
  });

  it('comes up, is a no-op when up again, repairs killed nodes, and leaves nothing behind on down', async () => {
    const first = await up({ dir, portBase });
    const pids = first.state.nodes.map((node) => node.pid!);
    expect(first.started).toHaveLength(7);
    expect(await Promise.all(pids.map(isAlive))).toEqual(pids.map(() => true));

    const again = await up({ dir });
    expect(again.started).toEqual([]);
    expect(again.state.nodes.map((node) => node.pid)).toEqual(pids);

    await stopNode(dir, 'zk2', { hard: true });
    await stopNode(dir, 'ch2', { hard: true });
    const repaired = await up({ dir });
    expect(repaired.started.sort()).toEqual(['ch2', 'zk2']);
    expect((await status(dir)).healthy).toBe(true);

    const allPids = [...new Set([...pids, ...repaired.state.nodes.map((node) => node.pid!)])];
    const result = await down({ dir });

    expect(result.stopped.sort()).toEqual(['ch1', 'ch2', 'ch3', 'zk1', 'zk2', 'zk3', 'zk4']);
    expect(await Promise.all(allPids.map(isAlive))).toEqual(allPids.map(() => false));
    expect(existsSync(dir)).toBe(false);
    console.log(
      `second cluster: up ${first.elapsedMs} ms, no-op up ${again.elapsedMs} ms, repair ${repaired.elapsedMs} ms, down ${result.elapsedMs} ms`,
    );
  });
});
