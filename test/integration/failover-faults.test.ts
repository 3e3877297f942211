import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../lib/config/parse.js';
import { createFailoverRuntime, executeOperation } from '../../lib/failover/index.js';
import { down, startNode, stopNode, stopSite } from '../../lib/localcluster/index.js';
import { FileStateStore } from '../../lib/state/index.js';
import { sql as sqlOn } from '../support/cluster.js';
import { freshOrdersCluster, INSERT_500 } from '../support/orders.js';
import { until } from '../support/wait.js';

/**
 * Issue 12 acceptance on real servers (ZooKeeper 3.8 + ClickHouse 18.16), on a cluster of this file's own:
 * - SIGKILL of a `chdr failover/recover/failback --execute` process in the middle of a step before the
 *   point of no return and of one after it (each operation), then the same command again: the run resumes
 *   (same run id) and succeeds, and no row is lost.
 * - The standby's replica fetched a part the stale observer never recorded: the new ensemble's replica
 *   starts anyway (force_restore_data), the part is kept in `detached/` and counted in the journal.
 */

const DIR = resolve('.chdr/faults-test');
// Next to the shared test cluster of CHDR_TEST_PORT_BASE: every port of the two clusters differs.
const PORT_BASE = Number(process.env['CHDR_TEST_PORT_BASE'] ?? 10_000) + 50;
const STATE_FILE = resolve(DIR, '..', 'faults-state.json');
const TOPOLOGY_FILE = resolve(DIR, '..', 'faults-topology.yaml');
const CLI = resolve('bin/chdr.cjs');
let ports: Record<string, number> = {};

const sql = async (replica: string, query: string): Promise<string> =>
  (await sqlOn(ports[replica]!, query)).trim();

/** Waits until `check` holds (a failing check counts as not yet). */
const waitFor = (what: string, check: () => Promise<boolean>): Promise<unknown> =>
  until(() => check().catch(() => false), Boolean, 60_000, 200).catch((error: unknown) => {
    throw new Error(`timed out waiting for ${what}: ${String(error)}`);
  });

const count = (replica: string) => sql(replica, 'SELECT count() FROM default.orders');

/** A fresh cluster with `default.orders` on every replica. */
const freshCluster = async (): Promise<void> => {
  ({ ports } = await freshOrdersCluster({
    dir: DIR,
    portBase: PORT_BASE,
    stateFile: STATE_FILE,
    topologyFile: TOPOLOGY_FILE,
  }));
};

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

const OPERATIONS = {
  failover: ['failover', '--from', 'primary', '--to', 'standby', '--accept-data-loss'],
  recover: ['recover', '--from', 'primary', '--to', 'standby'],
  failback: ['failback', '--from', 'standby', '--to', 'primary'],
} as const;

/**
 * Runs `chdr <operation> --execute`; with `killDuring`, SIGKILLs the process `afterMs` after it logged the
 * start of that step (its children, e.g. a server being started, live on as they would after a real kill).
 */
const chdr = (
  operation: keyof typeof OPERATIONS,
  killDuring?: { step: string; afterMs: number },
): Promise<CliRun> =>
  new Promise((done, fail) => {
    const child = spawn(
      'node',
      [CLI, ...OPERATIONS[operation], '--execute', '--config', TOPOLOGY_FILE, '--state-file', STATE_FILE],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let armed = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (killDuring && !armed && output.includes(`> ${killDuring.step}:`)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killDuring.afterMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', fail);
    child.on('exit', (code, signal) => done({ code, signal, output }));
  });

/** The config files a failover rewrites at the standby (and zk4's data folder list). */
const configFiles = async () => ({
  zk4: await readFile(resolve(DIR, 'zk4', 'zoo.cfg'), 'utf8'),
  ch3: await readFile(resolve(DIR, 'ch3', 'config.d', 'zookeeper.xml'), 'utf8'),
});

const runIdOf = (run: CliRun): string => /run (\d{8}T\d{6}Z-\w+)/.exec(run.output)?.[1] ?? '';

/** Killed while the step ran: its start is logged, its end is not. */
const expectKilledMidStep = (run: CliRun, step: string) => {
  expect(run.signal, run.output).toBe('SIGKILL');
  const after = run.output.slice(run.output.indexOf(`> ${step}:`));
  expect(after, `${step} had ended before the kill:\n${run.output}`).not.toMatch(
    /\n {2}(verified|skipped|failed) in /,
  );
};

/** Two kills (before and after the point of no return), then the same command completes the run. */
const killTwiceThenComplete = async (
  operation: keyof typeof OPERATIONS,
  kills: [{ step: string; afterMs: number }, { step: string; afterMs: number }],
) => {
  const first = await chdr(operation, kills[0]);
  expectKilledMidStep(first, kills[0].step);
  const second = await chdr(operation, kills[1]);
  expectKilledMidStep(second, kills[1].step);
  expect(second.output).toMatch(/resuming run/);
  const third = await chdr(operation);
  expect(third.code, third.output).toBe(0);
  expect(third.output).toMatch(new RegExp(`succeeded: ${operation} `));
  expect(third.output).not.toMatch(/rolled-back|rolled back/);
  const runId = runIdOf(third);
  expect(runId).not.toBe('');
  expect(second.output).toContain(runId);
  expect(third.output).toMatch(/attempts 3/);
};

beforeAll(() => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
});

afterAll(async () => {
  await down({ dir: DIR });
});

describe('SIGKILL of chdr in the middle of a step (real servers)', () => {
  it('failover, recover and failback each resume after a kill before and after the point of no return; rows kept', async () => {
    await freshCluster();
    await sql('ch1', INSERT_500);
    await waitFor('ch3 to have the rows', async () => (await count('ch3')) === '500');
    await stopSite(DIR, 'primary', { hard: true });

    // Before the point of no return (the new ensemble forming), then after it (the replica restarting).
    const files = await configFiles();
    await killTwiceThenComplete('failover', [
      { step: 'coordination-standby', afterMs: 300 },
      { step: 'repoint-standby', afterMs: 300 },
    ]);
    expect(await configFiles()).not.toEqual(files);
    expect(await count('ch3')).toBe('500');
    await sql('ch3', "INSERT INTO default.orders VALUES (100000, '2026-12-01 00:00:00', 1)");

    // Recover has no point of no return: the observers rejoining, then the old replicas restarting.
    await killTwiceThenComplete('recover', [
      { step: 'observers-primary', afterMs: 300 },
      { step: 'rejoin-primary', afterMs: 300 },
    ]);
    await waitFor('ch1 to have every row', async () => (await count('ch1')) === '501');

    await killTwiceThenComplete('failback', [
      { step: 'coordination-primary', afterMs: 300 },
      { step: 'repoint-primary', afterMs: 300 },
    ]);
    await sql('ch1', "INSERT INTO default.orders VALUES (100001, '2026-12-01 00:00:01', 1)");
    for (const replica of ['ch1', 'ch2', 'ch3'])
      await waitFor(`${replica} to have every row`, async () => (await count(replica)) === '502');
  });
});

describe('a part the new ensemble never recorded (real servers)', () => {
  it('the standby replica starts against the new ensemble; the part is detached, kept and counted in the journal', async () => {
    await freshCluster();
    // The observer misses the insert, the standby's replica fetches it from the primary's ensemble.
    await stopNode(DIR, 'zk4');
    await sql('ch1', INSERT_500);
    await waitFor('ch3 to have the rows', async () => (await count('ch3')) === '500');
    await stopSite(DIR, 'primary', { hard: true });
    await startNode(DIR, 'zk4');
    const topology = parseTopologyText(await readTopology(), TOPOLOGY_FILE);
    const runtime = await createFailoverRuntime(topology, { store: new FileStateStore(STATE_FILE) });
    try {
      const report = await executeOperation(
        topology,
        { kind: 'failover', from: 'primary', to: 'standby', acceptDataLoss: true, startedBy: 'test' },
        { ...runtime.deps, pollIntervalMs: 250 },
      );

      expect(report.result, report.message).toBe('succeeded');
      expect(report.record.facts['unexpectedParts']).toEqual([
        { replica: 'ch3', table: 'default.orders', parts: ['202611_0_0_0'], rows: 500 },
      ]);
      const repoint = report.record.steps.find((s) => s.stepId === 'repoint-standby')!;
      expect(repoint.output).toMatch(
        /ch3 default\.orders: 500 rows in 1 parts the new ensemble never recorded, detached by ClickHouse .* kept: 202611_0_0_0/,
      );
      expect(await readdir(resolve(DIR, 'ch3', 'data', 'data', 'default', 'orders', 'detached'))).toEqual([
        'ignored_202611_0_0_0',
      ]);
      // The flag is consumed by the start: a later restart does not detach anything silently.
      expect(await readdir(resolve(DIR, 'ch3', 'data', 'flags'))).toEqual([]);
      await sql('ch3', "INSERT INTO default.orders VALUES (100000, '2026-12-01 00:00:00', 1)");
      expect(await count('ch3')).toBe('1');
    } finally {
      await runtime.close();
    }
  });
});

const readTopology = () => readFile(TOPOLOGY_FILE, 'utf8');
