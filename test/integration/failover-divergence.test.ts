import { sql as clusterSql } from '../support/cluster.js';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Topology } from '../../lib/config/index.js';
import { parseTopologyText } from '../../lib/config/parse.js';
import {
  createFailoverRuntime,
  executeOperation,
  formatHistory,
  listRuns,
  planOperation,
  formatPlan,
  type FailoverRuntime,
  type OperationRequest,
} from '../../lib/failover/index.js';
import {
  down,
  startFetches,
  startNode,
  stopFetches,
  stopNode,
  stopSite,
} from '../../lib/localcluster/index.js';
import { FileStateStore } from '../../lib/state/index.js';
import { freshOrdersCluster, INSERT_500 } from '../support/orders.js';

/**
 * Issue 12.1 on real servers (ZooKeeper 3.8 + ClickHouse 18.16): rows that only the old primary had when
 * it was lost are reported by `recover`, kept, and (on request) put back at the new primary.
 * Each case runs on a fresh local cluster of its own. The forced failover names its override
 * (`acceptDataLoss`): the standby lost rows on purpose.
 */

const DIR = resolve('.chdr/divergence-test');
// Every port below 32768: a base in Linux's ephemeral range (32768-60999) collides now and then with a
// client socket's port (seen in CI: zk4 "Address already in use").
const PORT_BASE = Number(process.env['CHDR_DIVERGENCE_PORT_BASE'] ?? 20_000);
const STATE_FILE = resolve(DIR, '..', 'divergence-state.json');
const TOPOLOGY_FILE = resolve(DIR, '..', 'divergence-topology.yaml');
let topology: Topology;
let runtime: FailoverRuntime | undefined;
let ports: Record<string, number> = {};

const sql = async (replica: string, query: string): Promise<string> =>
  (await clusterSql(ports[replica]!, query)).trim();

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const run = (request: OperationRequest, on: Topology = topology) =>
  executeOperation(on, request, { ...runtime!.deps, pollIntervalMs: 250 });

/** A fresh cluster with `default.orders` on every replica and a primary heartbeat seen at the standby. */
const freshCluster = async (): Promise<void> => {
  await runtime?.close();
  let text: string;
  ({ text, ports } = await freshOrdersCluster({
    dir: DIR,
    portBase: PORT_BASE,
    stateFile: STATE_FILE,
    topologyFile: TOPOLOGY_FILE,
  }));
  topology = parseTopologyText(text, TOPOLOGY_FILE);
  runtime = await createFailoverRuntime(topology, { store: new FileStateStore(STATE_FILE) });
};

const failover = async (): Promise<void> => {
  await stopSite(DIR, 'primary', { hard: true });
  const report = await run({
    kind: 'failover',
    from: 'primary',
    to: 'standby',
    // The standby missed the rows on purpose: the operator accepts the loss the preflight estimates.
    acceptDataLoss: true,
    startedBy: 'test',
  });
  expect(report.result, report.message).toBe('succeeded');
};

/** Recover with `--reinsert-divergent`; the report, once it succeeded, and the divergence step's record. */
const recoverReinserting = async () => {
  const report = await run({
    kind: 'recover',
    from: 'primary',
    to: 'standby',
    reinsertDivergent: true,
    startedBy: 'test',
  });
  expect(report.result, report.message).toBe('succeeded');
  return { report, divergence: report.record.steps.find((s) => s.stepId === 'divergence-primary')! };
};

beforeAll(() => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
});

afterAll(async () => {
  await runtime?.close();
  await down({ dir: DIR });
});

describe('recover keeps what only the old primary had (real servers)', () => {
  it('reports the 500 rows the standby never fetched; the new primary has them after recover; history shows estimate and measured loss', async () => {
    await freshCluster();
    await stopFetches(DIR, 'ch3');
    await sql('ch1', INSERT_500);
    await waitFor(
      'ch2 to have the rows',
      async () => (await sql('ch2', 'SELECT count() FROM default.orders')) === '500',
    );
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('0');
    await failover();
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('0');

    const plan = formatPlan(
      await planOperation(topology, { kind: 'recover', from: 'primary', to: 'standby' }, runtime!.deps),
    );
    expect(plan).toContain('divergence-primary');
    const report = await run({ kind: 'recover', from: 'primary', to: 'standby', startedBy: 'test' });

    expect(report.result, report.message).toBe('succeeded');
    const order = report.record.steps.map((s) => s.stepId);
    expect(order.indexOf('divergence-primary')).toBeLessThan(order.indexOf('observers-primary'));
    const divergence = report.record.steps.find((s) => s.stepId === 'divergence-primary')!;
    expect(divergence.output).toMatch(/ch1 default\.orders: 500 rows in 1 parts the new ensemble knows/);
    expect(report.record.facts['measuredLoss']).toMatchObject({
      rows: 500,
      parts: 1,
      tables: ['default.orders'],
    });
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('500');
    expect(await sql('ch1', 'SELECT count() FROM default.orders')).toBe('500');
    const history = formatHistory(await listRuns(runtime!.deps.store));
    expect(history).toMatch(
      /measured loss: 500 rows in 1 parts only the old primary had \(default\.orders\)/,
    );
    expect(history).toMatch(/estimated at failover: RPO .*run \S+/);
  });

  it('keeps rows the new ensemble never knew of in a side table, detaches their parts, and --reinsert-divergent brings the new primary to 500 rows', async () => {
    await freshCluster();
    // The observer misses the insert (and the standby's replica the part): the new ensemble built from
    // the observer never hears of these parts.
    await stopFetches(DIR, 'ch3');
    await stopNode(DIR, 'zk4');
    await sql('ch1', INSERT_500);
    await waitFor(
      'ch2 to have the rows',
      async () => (await sql('ch2', 'SELECT count() FROM default.orders')) === '500',
    );
    await stopSite(DIR, 'primary', { hard: true });
    await startNode(DIR, 'zk4');
    await failover();
    // The new ensemble never heard of partition 202611: its first insert there is numbered 0 again, so the
    // new primary's part has the old primary's name (202611_0_0_0) and other rows.
    await sql('ch3', "INSERT INTO default.orders VALUES (100000, '2026-11-30 12:00:00', 1)");

    const { report, divergence } = await recoverReinserting();
    const ch1Line = divergence.output.split('\n').find((line) => line.includes('ch1 default.orders:'));
    expect(ch1Line).toMatch(
      /ch1 default\.orders: 500 rows in 1 parts unknown to the new ensemble \(at 2026-11-30 00:00:00 \.\. 2026-11-30 00:08:19\), kept in default\.orders_chdr_divergent_/,
    );
    expect(report.record.facts['measuredLoss']).toMatchObject({ divergentRows: 500 });
    expect(report.record.steps.find((s) => s.stepId === 'reinsert-divergent-primary')?.state).toBe(
      'verified',
    );
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('501');
    await waitFor(
      'ch1 to fetch the reinserted rows',
      async () => (await sql('ch1', 'SELECT count() FROM default.orders')) === '501',
    );
    expect(
      await sql(
        'ch1',
        "SELECT count() FROM system.tables WHERE name LIKE 'orders_chdr_divergent_%_reinserted'",
      ),
    ).toBe('1');
  });
  it('takes a merge the old site made after the observer stopped as held when the new primary has all its blocks, and keeps one mixing in a block it lacks aside, never put back', async () => {
    await freshCluster();
    const october = (rows: string) =>
      INSERT_500.replace('2026-11-30', '2026-10-31')
        .replace('number,', 'number + 1000,')
        .replace('LIMIT 500', rows);
    await sql('ch1', INSERT_500.replace('LIMIT 500', 'LIMIT 250'));
    await sql('ch1', INSERT_500.replace('LIMIT 500', 'LIMIT 250 OFFSET 250'));
    await sql('ch1', october('LIMIT 250'));
    await waitFor(
      'ch3 to have the three parts',
      async () => (await sql('ch3', 'SELECT count() FROM default.orders')) === '750',
    );
    // The standby's replica neither merges nor fetches; the observer stops before the old site's last insert.
    await sql('ch3', 'SYSTEM STOP MERGES default.orders');
    await stopFetches(DIR, 'ch3');
    await stopNode(DIR, 'zk4');
    await sql('ch1', october('LIMIT 250 OFFSET 250'));
    for (const partition of ['202611', '202610']) {
      // Not waiting for every replica to merge (ch3 never does).
      const optimize = await fetch(`http://127.0.0.1:${ports['ch1']}/?replication_alter_partitions_sync=0`, {
        method: 'POST',
        body: `OPTIMIZE TABLE default.orders PARTITION ${partition} FINAL`,
      });
      expect(optimize.status, await optimize.text()).toBe(200);
    }
    const active =
      "SELECT groupArray(name) FROM (SELECT name FROM system.parts WHERE table = 'orders' AND active ORDER BY name)";
    await waitFor(
      'ch1 to merge',
      async () => (await sql('ch1', active)) === "['202610_0_1_1','202611_0_1_1']",
    );
    expect(await sql('ch3', active)).toBe("['202610_0_0_0','202611_0_0_0','202611_1_1_0']");
    await stopSite(DIR, 'primary', { hard: true });
    await startNode(DIR, 'zk4');
    await failover();

    const { report, divergence } = await recoverReinserting();
    const ch1Line = divergence.output.split('\n').find((line) => line.includes('ch1 default.orders:'));
    expect(ch1Line).toMatch(
      /ch1 default\.orders: 500 rows in 1 parts unknown to the new ensemble .*; of those, 500 rows in 202610_0_1_1 were merged by the old site from blocks the new primary holds and blocks it lacks, kept in default\.orders_chdr_mixed_\S+ and not put back by --reinsert-divergent/,
    );
    expect(divergence.output).toMatch(
      /500 rows in 1 parts whose rows the new primary holds but the new ensemble does not list under ch1 .*: 202611_0_1_1/,
    );
    // The mixed part counts in full: an upper bound of what only the old site had.
    expect(report.record.facts['measuredLoss']).toMatchObject({ rows: 500, divergentRows: 500 });
    expect(await sql('ch3', 'SELECT count() FROM default.orders')).toBe('750');
    await waitFor(
      'ch1 and ch2 to serve the 750 rows of the new ensemble',
      async () =>
        (await sql('ch1', 'SELECT count() FROM default.orders')) === '750' &&
        (await sql('ch2', 'SELECT count() FROM default.orders')) === '750',
    );
    const kept = await sql('ch1', "SELECT name FROM system.tables WHERE name LIKE 'orders_chdr_%'");
    expect(kept).toMatch(/^orders_chdr_mixed_\S+$/);
    expect(await sql('ch1', `SELECT count() FROM default.${kept}`)).toBe('500');
  });

  it('rejoins a replica holding a part the new ensemble does not list under it (its copy registered after the observer stopped): detached by ClickHouse, fetched again', async () => {
    await freshCluster();
    await stopFetches(DIR, 'ch2');
    await sql('ch1', INSERT_500);
    await waitFor(
      'ch3 to have the rows',
      async () => (await sql('ch3', 'SELECT count() FROM default.orders')) === '500',
    );
    // The observer stops before ch2 registers its copy: the new ensemble lists the part under ch1 and ch3.
    await stopNode(DIR, 'zk4');
    await startFetches(DIR, 'ch2');
    // An insert wakes ch2's replication queue (START FETCHES alone does not).
    await sql('ch1', "INSERT INTO default.orders VALUES (100000, '2026-12-01 00:00:00', 1)");
    await waitFor(
      'ch2 to have the rows',
      async () => (await sql('ch2', 'SELECT count() FROM default.orders')) === '501',
    );
    await stopSite(DIR, 'primary', { hard: true });
    await startNode(DIR, 'zk4');
    await failover();

    const report = await run({ kind: 'recover', from: 'primary', to: 'standby', startedBy: 'test' });

    expect(report.result, report.message).toBe('succeeded');
    const divergence = report.record.steps.find((s) => s.stepId === 'divergence-primary')!;
    expect(divergence.output).toMatch(
      /ch2 default\.orders: .*, moved to detached\/; 500 rows in 1 parts whose rows the new primary holds but the new ensemble does not list under ch2 .*: 202611_0_0_0/,
    );
    const rejoin = report.record.steps.find((s) => s.stepId === 'rejoin-primary')!;
    expect(rejoin.output).toMatch(/ch2: \S+flags\/force_restore_data written/);
    // The row of the second insert only the old primary had is kept aside; ch2 holds the 500 again.
    expect(report.record.facts['measuredLoss']).toMatchObject({ divergentRows: 1 });
    expect(await sql('ch2', 'SELECT count() FROM default.orders')).toBe('500');
    expect(await readdir(resolve(DIR, 'ch2', 'data', 'data', 'default', 'orders', 'detached'))).toContain(
      'ignored_202611_0_0_0',
    );
  });
});

describe('rollback of a new ensemble before the point of no return (real ZooKeeper)', () => {
  it('puts the observer back with its data from before the run and keeps the new epoch aside', async () => {
    await freshCluster();
    await sql('ch1', INSERT_500);
    await waitFor(
      'ch3 to have the rows',
      async () => (await sql('ch3', 'SELECT count() FROM default.orders')) === '500',
    );
    await stopSite(DIR, 'primary', { hard: true });
    const zooCfg = resolve(DIR, 'zk4', 'zoo.cfg');
    const before = await readFile(zooCfg, 'utf8');
    const dataDir = /^dataDir=(.*)$/m.exec(before)![1]!;
    // zk4 starts as the new ensemble and is given 3 s to elect itself (its new epoch written), then its
    // start command fails once: the step fails before the point of no return (the repoint) and the run
    // rolls back.
    const startOnce = `${topology.failover.commands.startCoordination} && { test -e ${DIR}/.failed-once || { sleep 3; touch ${DIR}/.failed-once; false; }; }`;
    const broken: Topology = {
      ...topology,
      failover: {
        ...topology.failover,
        commands: { ...topology.failover.commands, startCoordination: startOnce },
      },
    };

    const report = await run(
      { kind: 'failover', from: 'primary', to: 'standby', acceptDataLoss: true },
      broken,
    );

    expect(report.result, report.message).toBe('rolled-back');
    expect(await readFile(zooCfg, 'utf8')).toBe(before);
    const beside = await readdir(resolve(dataDir, '..'));
    const name = dataDir.split('/').at(-1)!;
    expect(beside).toContain(`${name}.chdr-epoch-${report.runId}`);
    expect(beside).toContain(`${name}.chdr-backup-${report.runId}`);
    const epochOf = async (dir: string) =>
      Number(await readFile(resolve(dir, 'version-2', 'currentEpoch'), 'utf8'));
    // The new ensemble's epoch is kept aside; the restored folder is at the epoch before the run.
    expect(await epochOf(`${dataDir}.chdr-epoch-${report.runId}`)).toBeGreaterThan(await epochOf(dataDir));
  });
});
