import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../../lib/config/index.js';
import {
  FAILOVER_ERROR_CODES,
  createFailoverRuntime,
  executeOperation,
  formatPlan,
  listRuns,
  planOperation,
  readOpenRun,
  type FailoverEvent,
  type FailoverRuntime,
  type OperationRequest,
  type RunRecord,
} from '../../lib/failover/index.js';
import { down, readState, renderTopology, stopSite, up } from '../../lib/localcluster/index.js';
import { FileStateStore } from '../../lib/state/index.js';

/**
 * The DR drill of issue 5 on a real local cluster of its own (ZooKeeper 3.8 + ClickHouse 18.16), so the
 * shared test cluster stays healthy: write at the primary, lose the whole primary site, fail over
 * (interrupted once and resumed), re-run (nothing changes), recover the old primary as observers and
 * replicas, fail back (a second run is refused while the first holds the lock; the first is killed midway
 * and resumed by another process).
 */

const DIR = resolve('.chdr/failover-test');
const PORT_BASE = 1_000;
const CLI = resolve('bin/chdr.mjs');
const STATE_FILE = resolve(DIR, 'failover-state.json');
const TOPOLOGY_FILE = resolve(DIR, 'failover-topology.yaml');
const EVENTS_DDL = (replica: string) =>
  `CREATE TABLE IF NOT EXISTS default.events (id UInt64, v String) ENGINE = ReplicatedMergeTree('/clickhouse/tables/01/events', '${replica}') ORDER BY id`;

let topology: Topology;
let runtime: FailoverRuntime;
let ports: Record<string, number> = {};
const events: FailoverEvent[] = [];
const timings: { phase: string; seconds: number }[] = [];

const sql = async (replica: string, query: string): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${ports[replica]}/`, {
    method: 'POST',
    body: query,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${replica}: ${text.trim()}`);
  return text.trim();
};

const srvrMode = async (node: string): Promise<string> => {
  const { sendFourLetterWord } = await import('../../lib/keeper/index.js');
  const reply = await sendFourLetterWord({ host: '127.0.0.1', port: ports[node]! }, 'srvr', {
    timeoutMs: 2_000,
  });
  return reply.ok ? (/Mode: (\S+)/.exec(reply.value)?.[1] ?? 'not-serving') : 'unreachable';
};

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const run = (
  request: OperationRequest,
  extra: Parameters<typeof executeOperation>[2] extends infer D ? Partial<D> : never = {},
) =>
  executeOperation(topology, request, {
    ...runtime.deps,
    notifier: { notify: async (event) => void events.push(event) },
    pollIntervalMs: 250,
    ...extra,
  });

const timed = async <T>(phase: string, action: () => Promise<T>): Promise<T> => {
  const startedAt = Date.now();
  try {
    return await action();
  } finally {
    timings.push({ phase, seconds: (Date.now() - startedAt) / 1000 });
  }
};

const latestStates = (record: RunRecord): Record<string, string> =>
  Object.fromEntries(record.steps.map((entry) => [entry.stepId, entry.state]));

beforeAll(async () => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  await down({ dir: DIR });
  // Whatever an earlier run left (its journal and lock file too) goes first.
  await rm(DIR, { recursive: true, force: true });
  const started = await timed('cluster up', () => up({ dir: DIR, portBase: PORT_BASE, timeoutMs: 90_000 }));
  const state = started.state;
  ports = Object.fromEntries(
    state.nodes.map((node) => [node.name, node.kind === 'zookeeper' ? node.clientPort : node.httpPort]),
  );
  const text = renderTopology(state).text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n');
  await writeFile(TOPOLOGY_FILE, text);
  topology = parseTopologyText(text, TOPOLOGY_FILE);
  runtime = await createFailoverRuntime(topology, {
    store: new FileStateStore(STATE_FILE),
    log: (line) => process.stdout.write(`[drill] ${line}\n`),
  });
  for (const replica of ['ch1', 'ch2', 'ch3']) await sql(replica, EVENTS_DDL(replica));
});

afterAll(async () => {
  await runtime?.close();
  await timed('cluster down', () => down({ dir: DIR }));
  process.stdout.write(
    `\nDR drill phase timings (local cluster, ${new Date().toISOString()}):\n` +
      timings.map((t) => `  ${t.phase.padEnd(44)} ${t.seconds.toFixed(1).padStart(6)} s`).join('\n') +
      '\n',
  );
});

describe('DR drill on the local cluster', () => {
  it('fails over after the whole primary site is lost: resumes after an interruption, keeps the data, accepts writes', async () => {
    await sql(
      'ch1',
      'INSERT INTO default.events SELECT number, toString(number) FROM system.numbers LIMIT 1000',
    );
    await sql('ch1', "INSERT INTO default.heart_beat VALUES ('primary', now())");
    await waitFor(
      'the rows at ch3',
      async () =>
        (await sql('ch3', 'SELECT count() FROM default.events')) === '1000' &&
        (await sql('ch3', "SELECT count() FROM default.heart_beat WHERE site_id = 'primary'")) !== '0',
    );
    await timed('stop the primary site (crash)', () => stopSite(DIR, 'primary', { hard: true }));

    const plan = await planOperation(
      topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      runtime.deps,
    );
    expect(formatPlan(plan)).toContain(
      `server.4=127.0.0.1:${PORT_BASE + 4_884}:${PORT_BASE + 5_884}:participant`,
    );
    expect(plan.confirmation).toBe('FAILOVER primary->standby');

    const request: OperationRequest = {
      kind: 'failover',
      from: 'primary',
      to: 'standby',
      startedBy: 'drill',
    };
    const interrupted = await timed('failover, interrupted before repoint', () =>
      run(request, {
        beforeStep: (id) => {
          if (id === 'repoint-standby') throw new Error('simulated crash');
        },
      }),
    );
    expect(interrupted.result).toBe('failed');
    expect(await readOpenRun(runtime.deps.store)).toMatchObject({ runId: interrupted.runId });

    const resumed = await timed('failover, resumed', () => run(request));

    expect(resumed.result).toBe('succeeded');
    expect(resumed.runId).toBe(interrupted.runId);
    expect(resumed.record.attempts).toBe(2);
    expect(latestStates(resumed.record)).toEqual({
      preflight: 'verified',
      'coordination-standby': 'verified',
      'repoint-standby': 'verified',
      'verify-standby': 'verified',
    });
    expect(resumed.record.steps.filter((entry) => entry.stepId === 'coordination-standby')).toHaveLength(1);
    expect(resumed.record.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(resumed.record.rtoSeconds).toBeGreaterThan(0);
    expect(await srvrMode('zk4')).toBe('leader');
    expect(await sql('ch3', 'SELECT count() FROM default.events')).toBe('1000');
    await sql('ch3', "INSERT INTO default.events VALUES (1000, 'written at the new primary')");
    expect(await sql('ch3', 'SELECT count() FROM default.events')).toBe('1001');
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['started', 'finished']));
  });

  it('changes nothing when the finished failover is run again', async () => {
    const files = ['zk4/zoo.cfg', 'ch3/config.d/zookeeper.xml'].map((file) => resolve(DIR, file));
    const before = await Promise.all(files.map((file) => readFile(file, 'utf8')));
    const pidsBefore = (await readState(DIR)).nodes.map((node) => node.pid);

    const again = await timed('failover again (no-op)', () =>
      run({ kind: 'failover', from: 'primary', to: 'standby' }),
    );

    expect(again.result).toBe('already-done');
    expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).toEqual(before);
    expect((await readState(DIR)).nodes.map((node) => node.pid)).toEqual(pidsBefore);
  });

  it('recovers the old primary: its ZooKeeper nodes observe the new ensemble, its replicas catch up', async () => {
    const report = await timed('recover', () => run({ kind: 'recover', from: 'primary', to: 'standby' }));

    expect(report.result).toBe('succeeded');
    expect(report.record.steps.every((entry) => entry.state === 'verified')).toBe(true);
    for (const node of ['zk1', 'zk2', 'zk3']) expect(await srvrMode(node)).toBe('observer');
    expect(await sql('ch1', 'SELECT count() FROM default.events')).toBe('1001');
    expect(await sql('ch2', 'SELECT count() FROM default.events')).toBe('1001');
  });

  it('fails back: refuses a second concurrent run, and a run killed midway is resumed by the next process', async () => {
    await sql('ch3', "INSERT INTO default.events VALUES (1001, 'written at the standby before failback')");
    const startedAt = Date.now();
    const child = spawn(
      'node',
      [
        CLI,
        'failback',
        '--config',
        TOPOLOGY_FILE,
        '--state-file',
        STATE_FILE,
        '--from',
        'standby',
        '--to',
        'primary',
        '--execute',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const store = new FileStateStore(STATE_FILE);

    // While the CLI holds the lock, a second run is refused, naming the holder and since when.
    await waitFor(
      'the CLI to take the lock',
      async () => (await store.get('failover#lock')) !== undefined,
      20_000,
    );
    const second = await run({ kind: 'failback', from: 'standby', to: 'primary' }).catch(
      (error: unknown) => error,
    );
    expect(second).toMatchObject({ code: FAILOVER_ERROR_CODES.locked });
    expect((second as Error).message).toMatch(
      /another failover run holds the lock: .*pid \d+ since \d{4}-.*failback standby->primary/,
    );

    // Kill it once it has started to build the new ensemble at the primary site.
    await waitFor(
      'the CLI to reach coordination-primary',
      async () => {
        const open = await readOpenRun(store);
        const record = open && (await store.get<RunRecord>(`failover#run#${open.runId}`))?.value;
        return record?.steps.some((entry) => entry.stepId === 'coordination-primary') ?? false;
      },
      60_000,
    );
    child.kill('SIGKILL');
    await exited;
    timings.push({ phase: 'failback, until killed', seconds: (Date.now() - startedAt) / 1000 });
    expect(output).not.toMatch(/succeeded/);

    const resumed = await timed('failback, resumed by another process', () =>
      run({ kind: 'failback', from: 'standby', to: 'primary' }),
    );

    expect(resumed.result, resumed.message).toBe('succeeded');
    expect(resumed.record.attempts).toBe(2);
    expect(Object.values(latestStates(resumed.record)).every((state) => state === 'verified')).toBe(true);
    expect(await srvrMode('zk4')).toBe('observer');
    expect(['leader', 'follower']).toContain(await srvrMode('zk1'));
    await sql('ch1', "INSERT INTO default.events VALUES (1002, 'written at the primary after failback')");
    await waitFor('every replica to have all 1003 rows', async () =>
      (
        await Promise.all(['ch1', 'ch2', 'ch3'].map((r) => sql(r, 'SELECT count() FROM default.events')))
      ).every((count) => count === '1003'),
    );
    const runs = await listRuns(runtime.deps.store);
    expect(runs.map((r) => `${r.kind}:${r.result}`)).toEqual([
      'failover:succeeded',
      'failover:already-done',
      'recover:succeeded',
      'failback:succeeded',
    ]);
    // `chdr history` shows every run of the drill, with who started it, RPO and RTO.
    const history = JSON.parse(
      execFileSync(
        'node',
        [CLI, 'history', '--config', TOPOLOGY_FILE, '--state-file', STATE_FILE, '--json'],
        {
          encoding: 'utf8',
        },
      ),
    ) as RunRecord[];
    expect(history.map((r) => r.kind)).toEqual(['failover', 'failover', 'recover', 'failback']);
    expect(history[0]).toMatchObject({ startedBy: 'drill', result: 'succeeded' });
    expect(history[0]!.rtoSeconds).toBeGreaterThan(0);
    // The live roles the failback recorded come first in the text form.
    const text = execFileSync(
      'node',
      [CLI, 'history', '--config', TOPOLOGY_FILE, '--state-file', STATE_FILE],
      { encoding: 'utf8' },
    );
    expect(text).toMatch(
      new RegExp(
        `^Roles: primary: primary since \\S+ \\(run ${runs.at(-1)!.runId}, failback\\); voters: zk1, zk2, zk3`,
      ),
    );
  });
});
