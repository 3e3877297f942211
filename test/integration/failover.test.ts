import { sql as clusterSql } from '../support/cluster.js';
import { SNSClient, CreateTopicCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Topology } from '../../lib/config/index.js';
import { parseTopologyText } from '../../lib/config/parse.js';
import {
  FAILOVER_ERROR_CODES,
  SnsFailoverNotifier,
  createFailoverRuntime,
  executeOperation,
  formatPlan,
  listRuns,
  planOperation,
  readOpenRun,
  type FailoverRuntime,
  type OperationRequest,
  type RunRecord,
} from '../../lib/failover/index.js';
import {
  down,
  readState,
  renderTopology,
  startFetches,
  stopFetches,
  stopSite,
  up,
} from '../../lib/localcluster/index.js';
import { FileStateStore } from '../../lib/state/index.js';
import {
  awsClientConfig,
  MOTO_CREDENTIALS,
  startMoto,
  subscribedQueue,
  type MotoServer,
  type SnsEnvelope,
} from '../support/moto.js';

/**
 * The DR drill of issue 5 on a real local cluster of its own (ZooKeeper 3.8 + ClickHouse 18.16), so the
 * shared test cluster stays healthy: an insert stream and the primary's heartbeat run at the primary when
 * the whole primary site crashes, the standby having stopped fetching parts a few seconds before; `chdr failover --execute` (a real process) is killed with SIGKILL while
 * a step runs, and the same command run again resumes it; the rows lost are counted against the run's RPO
 * estimate; a re-run changes nothing; the old primary is recovered as observers and replicas; fail back (a
 * second run is refused while the first holds the lock; the first is killed midway and resumed by another
 * process). Every failover notice goes to an SNS topic on moto and is read back from a subscribed queue.
 *
 * What the drill assumes of the CLI: `failover --execute --config --state-file --from --to` runs without
 * a prompt and exits 0 once the run succeeded; the journal in the state file names each step as it
 * starts (`failover#run#<id>` records, `readOpenRun`); re-running the same command resumes the open run.
 */

const DIR = resolve('.chdr/failover-test');
/** Its own cluster, clear of the shared test cluster's ports (their layouts interleave without overlap). */
const PORT_BASE = inject('clusterPortBase') + 500;
const REGION = 'us-west-2';
/** How far the loss window may exceed the RPO estimate: heartbeats carry whole seconds, and the events
 * table and the heartbeat table replicate independently. */
const RPO_MARGIN_SECONDS = 2;
const CLI = resolve('bin/chdr.cjs');
const STATE_FILE = resolve(DIR, 'failover-state.json');
const TOPOLOGY_FILE = resolve(DIR, 'failover-topology.yaml');
const EVENTS_DDL = (replica: string) =>
  `CREATE TABLE IF NOT EXISTS default.events (id UInt64, v String) ENGINE = ReplicatedMergeTree('/clickhouse/tables/01/events', '${replica}') ORDER BY id`;

let topology: Topology;
let runtime: FailoverRuntime;
let ports: Record<string, number> = {};
let moto: MotoServer;
let notices: Awaited<ReturnType<typeof subscribedQueue>>;
let sns: SNSClient;
let sqs: SQSClient;
/** The rows every replica holds after recovery, before the failback's own writes. */
let rowsAfterRecovery = 0;
const timings: { phase: string; seconds: number }[] = [];

const sql = async (replica: string, query: string): Promise<string> =>
  (await clusterSql(ports[replica]!, query)).trim();

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
) => executeOperation(topology, request, { ...runtime.deps, pollIntervalMs: 250, ...extra });

/** `chdr <args>` as a child process, with the AWS SDK pointed at moto (the failover notices). */
const spawnCli = (args: string[]) => {
  const child = spawn('node', [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, output: () => output };
};

const cliArgs = (kind: string, from: string, to: string) => [
  kind,
  '--config',
  TOPOLOGY_FILE,
  '--state-file',
  STATE_FILE,
  '--from',
  from,
  '--to',
  to,
  '--execute',
];

/** The open run's journal record in the state file, as another process sees it. */
const openRecord = async (store: FileStateStore): Promise<RunRecord | undefined> => {
  const open = await readOpenRun(store);
  return open && (await store.get<RunRecord>(`failover#run#${open.runId}`))?.value;
};

/** SIGKILL once the journal shows the step started; a CLI that exits by itself first fails with its output. */
const killWhenStepRuns = async (cli: ReturnType<typeof spawnCli>, store: FileStateStore, stepId: string) => {
  const ended = () => cli.child.exitCode !== null || cli.child.signalCode !== null;
  await waitFor(
    `the CLI to start ${stepId}`,
    async () =>
      ended() || ((await openRecord(store))?.steps.some((entry) => entry.stepId === stepId) ?? false),
    60_000,
  );
  if (ended()) {
    throw new Error(`the CLI exited (${cli.child.exitCode}) before ${stepId} started:\n${cli.output()}`);
  }
  cli.child.kill('SIGKILL');
  await cli.exited;
};

interface Acked {
  id: number;
  at: number;
}

/**
 * What runs at the primary until it crashes: single-row INSERTs as fast as they are acknowledged, and the
 * primary agent's heartbeat every second (the RPO estimate reads it at the standby). Each acknowledged
 * row is kept with the time of its acknowledgement; the first failure ends the stream.
 */
const primaryWrites = () => {
  const acked: Acked[] = [];
  let stopped = false;
  const inserts = (async () => {
    for (let id = 10_000; !stopped; id++) {
      try {
        await sql('ch1', `INSERT INTO default.events VALUES (${id}, 'stream')`);
      } catch {
        return;
      }
      acked.push({ id, at: Date.now() });
    }
  })();
  const heartbeats = (async () => {
    while (!stopped) {
      try {
        await sql('ch1', "INSERT INTO default.heart_beat (site_id, updated_at) SELECT 'primary', now()");
      } catch {
        return;
      }
      await sleep(1_000);
    }
  })();
  return {
    acked,
    async stop() {
      stopped = true;
      await Promise.all([inserts, heartbeats]);
    },
  };
};

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
  moto = await startMoto();
  const aws = awsClientConfig(moto.endpoint, REGION);
  sns = new SNSClient(aws);
  sqs = new SQSClient(aws);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'chdr-local-drill' }));
  notices = await subscribedQueue(sns, sqs, TopicArn!, 'drill-notices');
  const text = renderTopology(state)
    .text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n')
    .concat(`alerts:\n  snsTopicArn: ${TopicArn}\n`);
  await writeFile(TOPOLOGY_FILE, text);
  topology = parseTopologyText(text, TOPOLOGY_FILE);
  runtime = await createFailoverRuntime(topology, {
    store: new FileStateStore(STATE_FILE),
    notifier: new SnsFailoverNotifier(sns, TopicArn!),
    log: (line) => process.stdout.write(`[drill] ${line}\n`),
  });
  for (const replica of ['ch1', 'ch2', 'ch3']) await sql(replica, EVENTS_DDL(replica));
});

afterAll(async () => {
  await runtime?.close();
  sns?.destroy();
  sqs?.destroy();
  await moto?.stop();
  await timed('cluster down', () => down({ dir: DIR }));
  process.stdout.write(
    `\nDR drill phase timings (local cluster, ${new Date().toISOString()}):\n` +
      timings.map((t) => `  ${t.phase.padEnd(44)} ${t.seconds.toFixed(1).padStart(6)} s`).join('\n') +
      '\n',
  );
});

describe('DR drill on the local cluster', () => {
  it('fails over after the primary site crashes mid-stream: a SIGKILLed CLI run resumes, and the rows lost stay within the RPO estimate', async () => {
    await sql(
      'ch1',
      'INSERT INTO default.events SELECT number, toString(number) FROM system.numbers LIMIT 1000',
    );
    await waitFor(
      'the first 1000 rows at ch3',
      async () => (await sql('ch3', 'SELECT count() FROM default.events')) === '1000',
    );

    // The primary keeps writing while it crashes: nothing waits for the stream to reach ch3.
    const writes = primaryWrites();
    await waitFor(
      'streamed rows and a heartbeat of the primary at ch3',
      async () =>
        Number(await sql('ch3', 'SELECT count() FROM default.events')) > 1050 &&
        (await sql('ch3', "SELECT count() FROM default.heart_beat WHERE site_id = 'primary'")) !== '0',
    );
    // Cross-region replication falls behind (the standby stops fetching parts) for a few seconds before
    // the crash, so the failover loses acknowledged rows and the RPO estimate has something to answer for.
    await stopFetches(DIR, 'ch3');
    await sleep(3_000);
    const crashedAt = Date.now();
    await timed('stop the primary site (crash)', () => stopSite(DIR, 'primary', { hard: true }));
    await writes.stop();
    const acked = writes.acked;
    expect(acked.length).toBeGreaterThan(50);

    const plan = await planOperation(
      topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      runtime.deps,
    );
    expect(formatPlan(plan)).toContain(
      `server.4=127.0.0.1:${PORT_BASE + 4_884}:${PORT_BASE + 5_884}:participant`,
    );
    expect(plan.confirmation).toBe('FAILOVER primary->standby');

    // `chdr failover --execute`, killed with SIGKILL while it rebuilds the ensemble at the standby.
    const store = new FileStateStore(STATE_FILE);
    const startedAt = Date.now();
    const first = spawnCli(cliArgs('failover', 'primary', 'standby'));
    await killWhenStepRuns(first, store, 'coordination-standby');
    timings.push({ phase: 'failover CLI, until SIGKILL', seconds: (Date.now() - startedAt) / 1000 });
    const killed = await openRecord(store);
    expect(killed, first.output()).toBeDefined();
    // Killed mid-step: the run is still open, and the step it was in never finished.
    expect(killed!.result).toBe('running');
    expect(latestStates(killed!)['coordination-standby']).not.toBe('verified');
    expect(first.output()).not.toMatch(/succeeded/);

    // The same command again resumes the run.
    const resumedAt = Date.now();
    const second = spawnCli(cliArgs('failover', 'primary', 'standby'));
    const code = await second.exited;
    timings.push({ phase: 'failover CLI, resumed', seconds: (Date.now() - resumedAt) / 1000 });
    expect(code, second.output()).toBe(0);
    const [record] = (await listRuns(store)).slice(-1);
    expect(record).toMatchObject({
      runId: killed!.runId,
      kind: 'failover',
      result: 'succeeded',
      attempts: 2,
    });
    expect(latestStates(record!)).toMatchObject({
      preflight: 'verified',
      'coordination-standby': 'verified',
      'repoint-standby': 'verified',
      'verify-standby': 'verified',
    });
    expect(record!.rtoSeconds).toBeGreaterThan(0);
    expect(await srvrMode('zk4')).toBe('leader');
    await startFetches(DIR, 'ch3');

    // RPO: the rows acknowledged by the primary that the new primary does not have, against the estimate.
    // Bound held: every lost row was acknowledged within rpoSeconds + margin before the crash.
    expect(typeof record!.rpoSeconds).toBe('number');
    const rpoSeconds = record!.rpoSeconds!;
    const present = new Set(
      (await sql('ch3', "SELECT id FROM default.events WHERE v = 'stream' FORMAT TSV"))
        .split('\n')
        .filter((line) => line !== '')
        .map(Number),
    );
    const lost = acked.filter((row) => !present.has(row.id));
    const oldestLostSeconds = lost.length === 0 ? 0 : (crashedAt - Math.min(...lost.map((r) => r.at))) / 1000;
    process.stdout.write(
      `[drill] acknowledged ${acked.length} streamed rows, ${lost.length} lost (oldest acknowledged ` +
        `${oldestLostSeconds.toFixed(1)} s before the crash); RPO estimate ${rpoSeconds} s\n`,
    );
    expect(lost.length).toBeGreaterThan(0);
    expect(oldestLostSeconds).toBeLessThanOrEqual(rpoSeconds + RPO_MARGIN_SECONDS);
    expect(await sql('ch3', "SELECT countIf(v != 'stream') FROM default.events")).toBe('1000');

    const before = Number(await sql('ch3', 'SELECT count() FROM default.events'));
    await sql('ch3', "INSERT INTO default.events VALUES (1000, 'written at the new primary')");
    expect(Number(await sql('ch3', 'SELECT count() FROM default.events'))).toBe(before + 1);

    // The notices of both attempts reached the topic; the run finished once.
    const subjects = (await notices.take()).map((message: SnsEnvelope) => message.Subject ?? '');
    expect(
      subjects.filter((subject) => / failover primary->standby started$/.test(subject)).length,
    ).toBeGreaterThan(0);
    expect(
      subjects.filter((subject) => subject.endsWith('failover primary->standby finished: succeeded')),
    ).toHaveLength(1);
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
    // The old primary's replicas converge on the new primary's rows (parts the new ensemble knows of may
    // come back from them; parts it does not know are detached by ClickHouse).
    await waitFor('ch1, ch2 and ch3 to hold the same rows', async () => {
      const counts = await Promise.all(
        ['ch1', 'ch2', 'ch3'].map((r) => sql(r, 'SELECT count() FROM default.events')),
      );
      rowsAfterRecovery = Number(counts[0]);
      return counts.every((count) => count === counts[0]);
    });
    expect(rowsAfterRecovery).toBeGreaterThan(1000);
  });

  it('fails back: refuses a second concurrent run, and a run killed midway is resumed by the next process', async () => {
    await sql('ch3', "INSERT INTO default.events VALUES (1001, 'written at the standby before failback')");
    const startedAt = Date.now();
    const failback = spawnCli(cliArgs('failback', 'standby', 'primary'));
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
    await killWhenStepRuns(failback, store, 'coordination-primary');
    timings.push({ phase: 'failback, until killed', seconds: (Date.now() - startedAt) / 1000 });
    expect(failback.output()).not.toMatch(/succeeded/);

    const resumed = await timed('failback, resumed by another process', () =>
      run({ kind: 'failback', from: 'standby', to: 'primary' }),
    );

    expect(resumed.result, resumed.message).toBe('succeeded');
    expect(resumed.record.attempts).toBe(2);
    expect(Object.values(latestStates(resumed.record)).every((state) => state === 'verified')).toBe(true);
    expect(await srvrMode('zk4')).toBe('observer');
    expect(['leader', 'follower']).toContain(await srvrMode('zk1'));
    await sql('ch1', "INSERT INTO default.events VALUES (1002, 'written at the primary after failback')");
    await waitFor('every replica to have the two rows written around the failback', async () =>
      (
        await Promise.all(['ch1', 'ch2', 'ch3'].map((r) => sql(r, 'SELECT count() FROM default.events')))
      ).every((count) => Number(count) === rowsAfterRecovery + 2),
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
    expect(history[0]).toMatchObject({ result: 'succeeded', attempts: 2 });
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
