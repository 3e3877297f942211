import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Topology } from '../../lib/config/index.js';
import { parseTopologyText } from '../../lib/config/parse.js';
import {
  createFailoverRuntime,
  executeOperation,
  formatPlan,
  planOperation,
  type FailoverRuntime,
} from '../../lib/failover/index.js';
import { parseZooCfg } from '../../lib/failover/zookeeper-config.js';
import { sendFourLetterWord } from '../../lib/keeper/index.js';
import { down, renderTopology, stopSite, up, type ClusterState } from '../../lib/localcluster/index.js';
import { FileStateStore } from '../../lib/state/index.js';

/**
 * Issue 12.3 on real ZooKeeper 3.8 servers, on a cluster of its own with two spare ZooKeeper servers at
 * the standby site (zk5, zk6: installed, stopped). After the primary site crashes, the forced failover
 * makes zk4 and the spares a three-voter ensemble; zk4, the only one holding the cluster's transactions
 * (the highest zxid), leads.
 */
const DIR = resolve('.chdr/spares-test');
const PORT_BASE = inject('clusterPortBase') + 800;
const TOPOLOGY_FILE = resolve(DIR, 'spares-topology.yaml');
const STATE_FILE = resolve(DIR, 'spares-state.json');

let state: ClusterState;
let topology: Topology;
let runtime: FailoverRuntime;

const port = (name: string): number => {
  const node = state.nodes.find((n) => n.name === name)!;
  return node.kind === 'zookeeper' ? node.clientPort : node.httpPort;
};

const srvr = async (node: string): Promise<{ mode: string; zxid: bigint | null }> => {
  const reply = await sendFourLetterWord({ host: '127.0.0.1', port: port(node) }, 'srvr', {
    timeoutMs: 2_000,
  });
  if (!reply.ok) return { mode: 'unreachable', zxid: null };
  const zxid = /Zxid: (0x[0-9a-f]+)/.exec(reply.value)?.[1];
  return { mode: /Mode: (\S+)/.exec(reply.value)?.[1] ?? 'not-serving', zxid: zxid ? BigInt(zxid) : null };
};

const sql = async (replica: string, query: string): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${port(replica)}/`, {
    method: 'POST',
    body: query,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${replica}: ${text.trim()}`);
  return text.trim();
};

beforeAll(async () => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  await down({ dir: DIR });
  await rm(DIR, { recursive: true, force: true });
  ({ state } = await up({ dir: DIR, portBase: PORT_BASE, timeoutMs: 90_000, spares: 2 }));
  const text = renderTopology(state).text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n');
  await writeFile(TOPOLOGY_FILE, text);
  topology = parseTopologyText(text, TOPOLOGY_FILE);
  runtime = await createFailoverRuntime(topology, { store: new FileStateStore(STATE_FILE) });
}, 180_000);

afterAll(async () => {
  await runtime?.close();
  await down({ dir: DIR });
}, 120_000);

describe('spare ZooKeeper servers on the local cluster', () => {
  it('fails over to an ensemble of zk4 and two spares, led by zk4 (the highest zxid)', async () => {
    // The spares are stopped; zk4 observes the primary's ensemble and has its transactions.
    expect((await srvr('zk5')).mode).toBe('unreachable');
    expect((await srvr('zk6')).mode).toBe('unreachable');
    await sql('ch1', "INSERT INTO default.heart_beat (site_id, updated_at) SELECT 'primary', now()");
    expect((await srvr('zk4')).mode).toBe('observer');

    await stopSite(DIR, 'primary', { hard: true });
    const request = { kind: 'failover', from: 'primary', to: 'standby', force: true } as const;
    const plan = formatPlan(await planOperation(topology, request, runtime.deps));
    expect(plan).not.toMatch(/WARNING: the new ensemble/);
    expect(plan).toContain("Make standby's ZooKeeper nodes (zk4, zk5, zk6) a new ensemble");

    const report = await executeOperation(topology, request, { ...runtime.deps, pollIntervalMs: 250 });

    expect(report.result, report.message).toBe('succeeded');
    const states = await Promise.all(['zk4', 'zk5', 'zk6'].map(srvr));
    expect(states.map((s) => s.mode)).toEqual(['leader', 'follower', 'follower']);
    for (const node of ['zk4', 'zk5', 'zk6']) {
      const config = parseZooCfg(await readFile(resolve(DIR, node, 'zoo.cfg'), 'utf8'));
      expect(config.servers.filter((s) => s.role === 'participant').map((s) => s.id)).toEqual([4, 5, 6]);
    }
    // ch3 writes through the three voters.
    await sql('ch3', "INSERT INTO default.heart_beat (site_id, updated_at) SELECT 'standby', now()");
    expect(
      Number(await sql('ch3', "SELECT count() FROM default.heart_beat WHERE site_id = 'standby'")),
    ).toBeGreaterThan(0);
  }, 300_000);

  it('recovers the old primary as observers of the three voters, and fails back with the spares stopped again', async () => {
    const recover = await executeOperation(
      topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      { ...runtime.deps, pollIntervalMs: 250 },
    );
    expect(recover.result, recover.message).toBe('succeeded');
    expect((await Promise.all(['zk1', 'zk2', 'zk3'].map(srvr))).map((s) => s.mode)).toEqual([
      'observer',
      'observer',
      'observer',
    ]);

    const failback = await executeOperation(
      topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      { ...runtime.deps, pollIntervalMs: 250 },
    );

    expect(failback.result, failback.message).toBe('succeeded');
    const primary = (await Promise.all(['zk1', 'zk2', 'zk3'].map(srvr))).map((s) => s.mode).sort();
    expect(primary).toEqual(['follower', 'follower', 'leader']);
    expect((await srvr('zk4')).mode).toBe('observer');
    // Spares again: stopped, out of the ensemble that serves.
    expect((await srvr('zk5')).mode).toBe('unreachable');
    expect((await srvr('zk6')).mode).toBe('unreachable');
    await sql('ch1', "INSERT INTO default.heart_beat (site_id, updated_at) SELECT 'primary', now()");
  }, 300_000);
});
