import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql as clusterSql } from '../support/cluster.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  down,
  getNode,
  readState,
  renderTopology,
  startNode,
  startSite,
  stopFetches,
  stopNode,
  stopSite,
  up,
  type ClusterState,
} from '../../lib/localcluster/index.js';
import { closeCachedConnections } from '../../lib/clickhouse/index.js';
import { replicaConnector } from '../../lib/cycle/index.js';
import { localFenceGuard } from '../../lib/fence/index.js';
import { readRoles } from '../../lib/roles/index.js';
import { commandLineOf } from '../../lib/localcluster/process.js';
import { FileStateStore } from '../../lib/state/index.js';

/**
 * Issue 11's acceptance on a real local cluster of its own (ZooKeeper 3.8 + ClickHouse 18.16), driven by
 * the `chdr` CLI as an operator would: a forced failover fences the old primary, so that once the old
 * site is back (crash) or thawed (freeze) it acknowledges no INSERT; the data-loss gate judges what the
 * standby lacked at the silence, not the time since. The cluster is rebuilt for each scenario.
 */

const DIR = resolve('.chdr/fencing-test');
const PORT_BASE = Number(process.env.CHDR_TEST_PORT_BASE ?? 10_000) + 200;
const CLI = resolve('bin/chdr.cjs');
const TOPOLOGY = join(DIR, 'fencing-topology.yaml');
const JOURNAL = join(DIR, 'failover-state.json');
const MAX_LAG_SECONDS = 2;
const ORDERS_DDL = (replica: string) =>
  `CREATE TABLE IF NOT EXISTS default.orders (id UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/01/orders', '${replica}') ORDER BY id`;
const PRIMARY_REPLICAS = ['ch1', 'ch2'] as const;

let state: ClusterState;
const rto: Record<string, number> = {};

const port = (name: string): number => {
  const node = state.nodes.find((n) => n.name === name)!;
  return node.kind === 'clickhouse' ? node.httpPort : node.clientPort;
};

const sql = async (replica: string, query: string, timeoutMs = 10_000): Promise<string> =>
  (await clusterSql(port(replica), query, '127.0.0.1', timeoutMs)).trim();

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const chdr = (...args: string[]) => {
  const started = Date.now();
  const result = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
  return {
    status: result.status,
    stdout: result.stdout,
    out: `${result.stdout}\n${result.stderr}`,
    ms: Date.now() - started,
  };
};

const failover = (...flags: string[]) =>
  chdr(
    'failover',
    '--from',
    'primary',
    '--to',
    'standby',
    '--execute',
    '--config',
    TOPOLOGY,
    '--state-file',
    JOURNAL,
    ...flags,
  );

/** INSERTs each old-primary replica acknowledges over `seconds` of trying. */
const acknowledgedInserts = async (seconds: number): Promise<Record<string, number>> => {
  const acknowledged: Record<string, number> = { ch1: 0, ch2: 0 };
  const deadline = Date.now() + seconds * 1000;
  let id = 1_000_000;
  while (Date.now() < deadline) {
    for (const replica of PRIMARY_REPLICAS) {
      try {
        await sql(replica, `INSERT INTO default.orders VALUES (${(id += 1)})`, 2_000);
        acknowledged[replica]! += 1;
      } catch {
        // refused or unreachable: not acknowledged
      }
    }
    await sleep(250);
  }
  return acknowledged;
};

/** A fresh cluster with `default.orders` replicated to ch3, and a topology with a short maxLagSeconds. */
const freshCluster = async (): Promise<void> => {
  await down({ dir: DIR });
  await rm(JOURNAL, { force: true });
  ({ state } = await up({ dir: DIR, portBase: PORT_BASE, timeoutMs: 90_000 }));
  const text = renderTopology(state).text.replace(
    'failover:\n',
    `failover:\n  maxLagSeconds: ${MAX_LAG_SECONDS}\n`,
  );
  await writeFile(TOPOLOGY, text);
  for (const replica of ['ch1', 'ch2', 'ch3']) await sql(replica, ORDERS_DDL(replica));
  await sql('ch1', 'INSERT INTO default.orders SELECT number FROM system.numbers LIMIT 500');
  await waitFor(
    '500 rows at ch3',
    async () => (await sql('ch3', 'SELECT count() FROM default.orders')) === '500',
  );
};

const fenceOfPrimary = async () =>
  (await readRoles(new FileStateStore(JOURNAL), renderTopology(state).topology)).fenced.find(
    (f) => f.site === 'primary',
  );

beforeAll(() => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
});

afterAll(async () => {
  await closeCachedConnections();
  await down({ dir: DIR });
  process.stdout.write(
    `\nforced failover RTO including fencing (CLI, local cluster): ${Object.entries(rto)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')}\n`,
  );
});

describe('crash and return', () => {
  it('fences the crashed primary: start-site refuses it and the old primary acknowledges zero INSERTs', async () => {
    await freshCluster();
    await stopSite(DIR, 'primary', { hard: true });
    // Longer than maxLagSeconds: the gate must not count the time since the crash.
    await sleep((MAX_LAG_SECONDS + 2) * 1000);

    const run = failover();
    rto.crash = run.ms;
    process.stdout.write(`[crash] ${run.out}\n`);

    expect(run.status, run.out).toBe(0);
    expect(await fenceOfPrimary()).toMatchObject({ method: 'stopped-and-disabled' });
    const startSiteCli = chdr('cluster', 'start-site', 'primary', '--dir', DIR);
    expect(startSiteCli.status).not.toBe(0);
    expect(startSiteCli.out).toMatch(/refusing to start fenced nodes: .*ch1 \(run \S+/);
    await expect(startSite(DIR, 'primary')).rejects.toMatchObject({ code: 'LOCALCLUSTER_NODE_FENCED' });
    await expect(startNode(DIR, 'zk1')).rejects.toMatchObject({ code: 'LOCALCLUSTER_NODE_FENCED' });
    await expect(up({ dir: DIR })).rejects.toMatchObject({ code: 'LOCALCLUSTER_NODE_FENCED' });

    const marker = JSON.parse(await readFile(join(DIR, 'zk1', 'FENCED'), 'utf8')) as { runId: string };
    const startOne = chdr('cluster', 'start', 'zk1', '--dir', DIR);
    expect(startOne.status).not.toBe(0);
    expect(startOne.out).toContain(`zk1 (run ${marker.runId}`);
    expect(startOne.out).toContain('chdr recover');

    expect(await acknowledgedInserts(3)).toEqual({ ch1: 0, ch2: 0 });

    // Started anyway (the marker removed by hand): the site's agent finds it, kills it and pages once.
    await rm(join(DIR, 'zk1', 'FENCED'));
    expect(await startNode(DIR, 'zk1')).toBe(true);
    const pages: string[] = [];
    const { topology } = renderTopology(state);
    const guard = localFenceGuard({
      topology,
      clusterDir: DIR,
      store: new FileStateStore(JOURNAL),
      connect: await replicaConnector(topology, { env: process.env }),
      write: (text) => pages.push(text),
    });
    const first = await guard('primary');
    const second = await guard('primary');
    expect(first).toMatchObject({
      found: ['zk1'],
      outcomes: [{ node: 'zk1', confirmed: true }],
      paged: true,
    });
    expect(second).toMatchObject({ found: [], paged: false });
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('old primary primary back, fenced');
    expect(pages[0]).toContain('found zk1 serving: zk1: process SIGKILLed');
    expect((await getNode(DIR, 'zk1')).pid).toBeNull();
    await expect(startNode(DIR, 'zk1')).rejects.toMatchObject({ code: 'LOCALCLUSTER_NODE_FENCED' });

    await sql('ch3', 'INSERT INTO default.orders VALUES (500)');
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('501');
  });
});

describe('freeze and thaw', () => {
  it('kills the frozen primary processes, fails over with no flag, and after SIGCONT the old primary acknowledges zero INSERTs', async () => {
    await freshCluster();
    const primaryPids = (await readState(DIR)).nodes.filter((n) => n.site === 'primary').map((n) => n.pid!);
    for (const pid of primaryPids) process.kill(pid, 'SIGSTOP');

    const run = failover();
    rto.freeze = run.ms;
    process.stdout.write(`[freeze] ${run.out}\n`);
    for (const pid of primaryPids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // fenced: already gone
      }
    }

    expect(run.status, run.out).toBe(0);
    expect(await fenceOfPrimary()).toMatchObject({
      method: 'stopped-and-disabled',
      nodes: ['ch1', 'ch2', 'zk1', 'zk2', 'zk3'],
    });
    // Killed: no such process, or a zombie this test process (their parent, which started them) has not
    // reaped yet (kill -0 still succeeds on one).
    const running = [];
    for (const pid of primaryPids) if ((await commandLineOf(pid)) !== null) running.push(pid);
    expect(running).toEqual([]);
    expect(await acknowledgedInserts(3)).toEqual({ ch1: 0, ch2: 0 });
    expect((await getNode(DIR, 'ch1')).pid).toBeNull();
  });
});

describe('the data-loss gate', () => {
  it('refuses a standby whose fetches stopped while the primary took inserts, naming the table and parts; --accept-data-loss proceeds', async () => {
    await freshCluster();
    await stopFetches(DIR, 'ch3');
    await sql('ch1', 'INSERT INTO default.orders SELECT number + 1000 FROM system.numbers LIMIT 100');
    await sleep((MAX_LAG_SECONDS + 1.5) * 1000);
    await sql('ch1', 'INSERT INTO default.orders SELECT number + 2000 FROM system.numbers LIMIT 100');
    await waitFor(
      'ch3 to know of both parts it does not fetch',
      async () =>
        (await sql(
          'ch3',
          "SELECT count() FROM system.replication_queue WHERE table = 'orders' AND type = 'GET_PART'",
        )) === '2',
    );
    // Partial outage first: the primary's ZooKeeper lost, its replicas still answer and count the rows behind.
    for (const zk of ['zk1', 'zk2', 'zk3']) await stopNode(DIR, zk, { hard: true });
    const partial = failover();
    expect(partial.status).toBe(1);
    expect(partial.out).toMatch(/default.orders: 2 parts \(200 rows\)/);
    await stopSite(DIR, 'primary', { hard: true });

    const refused = failover();

    expect(refused.status).toBe(1);
    expect(refused.out).toMatch(
      /standby is estimated to miss [3-9] s of primary's writes, more than failover.maxLagSeconds \(2 s\): default.orders: 2 parts/,
    );
    expect(refused.out).toContain('(--accept-data-loss overrides)');
    expect(await fenceOfPrimary()).toBeUndefined();

    const accepted = failover('--accept-data-loss', '--json');

    expect(accepted.status, accepted.out).toBe(0);
    const record = JSON.parse(accepted.stdout) as {
      rpoSeconds: number;
      facts: { overrides: { override: string; by: string }[] };
    };
    expect(record.rpoSeconds).toBeGreaterThan(MAX_LAG_SECONDS);
    expect(record.facts.overrides).toEqual([expect.objectContaining({ override: 'acceptDataLoss' })]);
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('500');
  });
});
