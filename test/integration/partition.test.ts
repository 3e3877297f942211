import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  down,
  heal,
  LOCAL_CLUSTER_ERROR_CODES,
  partition,
  readState,
  standbyCommand,
  status,
  up,
  type ClickHouseNodeState,
  type ClusterState,
  type NodeState,
  type ZooKeeperNodeState,
} from '../../lib/localcluster/index.js';
import { readVerdict } from '../../lib/roles/index.js';
import { FileStateStore } from '../../lib/state/index.js';
import { sql } from '../support/cluster.js';
import { until } from '../support/wait.js';

/**
 * A real partition between the sites (issue 11.3): the standby site (zk4, ch3) runs in its own network
 * namespace behind a veth pair; `partition` sets the link down, `heal` up. Its own cluster, on its own
 * port base (CHDR_TEST_PARTITION_PORT_BASE), removed at the end with its namespace. Needs root.
 */

const PORT_BASE = Number(process.env.CHDR_TEST_PARTITION_PORT_BASE ?? 5_000);
const DIR = resolve('.chdr/test-partition');
const TABLE = 'default.partition_probe';
const run = promisify(execFile);

let state: ClusterState;

const node = <T extends NodeState>(name: string): T => state.nodes.find((n) => n.name === name) as T;
const replica = (name: string) => node<ClickHouseNodeState>(name);
const count = async (name: string): Promise<number> =>
  Number(await sql(replica(name).httpPort, `SELECT count() FROM ${TABLE}`, replica(name).host));

/** 'ok', 'timeout' or the error code of a TCP connect from this (the primary's) namespace. */
const connectFromPrimary = (host: string, port: number): Promise<string> =>
  new Promise((done) => {
    const socket = createConnection({ host, port, timeout: 2_000 }, () => (socket.destroy(), done('ok')));
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
    socket.on('timeout', () => (socket.destroy(), done('timeout')));
  });

const CONNECT_SCRIPT = `
const [host, port] = process.argv.slice(1);
const s = require('net').createConnection({ host, port: Number(port), timeout: 2000 }, () => { s.destroy(); console.log('ok'); });
s.on('error', (e) => console.log(e.code || 'error'));
s.on('timeout', () => { s.destroy(); console.log('timeout'); });`;

/** The same from the standby's namespace, as an operator in the standby region. */
const connectFromStandby = async (host: string, port: number): Promise<string> => {
  const [program, ...args] = await standbyCommand(DIR, ['node', '-e', CONNECT_SCRIPT, host, String(port)]);
  return (await run(program!, args, { timeout: 10_000 })).stdout.trim();
};

/** A statement at ch3 sent inside the standby namespace (from the primary's side it is unreachable while cut). */
const standbySql = async (query: string): Promise<{ status: number; body: string }> => {
  const ch3 = replica('ch3');
  const script =
    `fetch('http://127.0.0.1:${ch3.httpPort}/', { method: 'POST', body: process.argv[1] })` +
    `.then(async (r) => console.log(JSON.stringify({ status: r.status, body: (await r.text()).trim() })))`;
  const [program, ...args] = await standbyCommand(DIR, ['node', '-e', script, query]);
  return JSON.parse((await run(program!, args, { timeout: 20_000 })).stdout) as {
    status: number;
    body: string;
  };
};

const namespaceOf = (pid: number | null): string =>
  execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();

const insertAt = (name: string, from: number, rows: number) =>
  sql(
    replica(name).httpPort,
    `INSERT INTO ${TABLE} SELECT number, '${name}' FROM system.numbers LIMIT ${from}, ${rows}`,
    replica(name).host,
  );

beforeAll(async () => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  await down({ dir: DIR });
  ({ state } = await up({ dir: DIR, portBase: PORT_BASE, netns: true, timeoutMs: 90_000 }));
  for (const name of ['ch1', 'ch2', 'ch3']) {
    await sql(
      replica(name).httpPort,
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id UInt64, origin String) ` +
        `ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/partition_probe', '{replica}') ORDER BY id`,
      replica(name).host,
    );
  }
}, 120_000);

afterAll(async () => {
  await heal(DIR).catch(() => undefined);
  await down({ dir: DIR });
}, 60_000);

describe('a --netns cluster', () => {
  it('runs the standby site in its own namespace and replicates both ways', async () => {
    expect(state.network).toBeDefined();
    expect(namespaceOf(node('ch3').pid)).toBe(state.network!.namespaces.standby);
    expect(namespaceOf(node('zk4').pid)).toBe(state.network!.namespaces.standby);
    expect(namespaceOf(node('ch1').pid)).toBe(state.network!.namespaces.primary);
    expect(replica('ch3').host).toBe(state.network!.addresses.standby);
    expect((await status(DIR)).healthy).toBe(true);

    await insertAt('ch1', 0, 100);
    await insertAt('ch3', 100, 10);

    await until(
      () => count('ch3'),
      (rows) => rows === 110,
      30_000,
    );
    await until(
      () => count('ch1'),
      (rows) => rows === 110,
      30_000,
    );
  }, 60_000);

  it('runs a command in the standby namespace with chdr cluster exec-standby', async () => {
    const { stdout } = await run('node', [
      'bin/chdr.cjs',
      'cluster',
      'exec-standby',
      '--dir',
      DIR,
      '--',
      'ip',
      'netns',
      'identify',
    ]);

    expect(stdout.trim()).toBe(state.network!.namespaces.standby);
  });

  it('partition: neither side reaches the other, the primary keeps taking writes', async () => {
    expect(await partition(DIR)).toMatchObject({ link: 'down', changed: true });
    expect(await partition(DIR)).toMatchObject({ link: 'down', changed: false });

    const ch1 = replica('ch1');
    const ch3 = replica('ch3');
    const zk1 = node<ZooKeeperNodeState>('zk1');
    expect(await connectFromPrimary(ch3.host, ch3.httpPort)).toBe('timeout');
    expect(await connectFromStandby(ch1.host, ch1.httpPort)).not.toBe('ok');
    expect(await connectFromStandby(zk1.host, zk1.clientPort)).not.toBe('ok');
    // Each side still reaches its own servers.
    expect(await connectFromPrimary(ch1.host, ch1.httpPort)).toBe('ok');
    expect(await connectFromStandby(ch3.host, ch3.httpPort)).toBe('ok');

    await insertAt('ch1', 1_000, 500);
    await until(
      () => count('ch2'),
      (rows) => rows === 610,
      30_000,
    );
    expect((await standbySql(`SELECT count() FROM ${TABLE}`)).body).toBe('110');
    // Past ClickHouse's ZooKeeper session timeout the standby cannot commit a write on its own.
    const refused = await until(
      () => standbySql(`INSERT INTO ${TABLE} VALUES (9999, 'ch3')`),
      (reply) => reply.status !== 200,
      30_000,
      1_000,
    );
    expect(refused.body).toMatch(/Code: (242|999|225)/);
    expect((await status(DIR)).healthy).toBe(false);
    await expect(up({ dir: DIR })).rejects.toMatchObject({ code: LOCAL_CLUSTER_ERROR_CODES.partitioned });
  }, 90_000);

  it('heal: the link is back and the standby catches up', async () => {
    expect(await heal(DIR)).toMatchObject({ link: 'up', changed: true });
    expect(await heal(DIR)).toMatchObject({ link: 'up', changed: false });

    await until(
      () => count('ch3'),
      (rows) => rows === 610,
      90_000,
      500,
    );
    await until(
      async () => (await status(DIR)).healthy,
      (healthy) => healthy,
      30_000,
    );
  }, 150_000);
});

/**
 * Issue 11 acceptance: "Partition with the primary healthy and its agent running: failover from the
 * standby side is refused naming the evidence; after heal, nothing has changed." The primary's agent is
 * the real `chdr agent` (it leaves its SiteVerdict in the local state file, which serves both sites here);
 * the failover runs inside the standby namespace, as an operator in the standby region would run it.
 */
describe('failover from the standby side during a partition', () => {
  let agent: ChildProcess | undefined;

  afterAll(() => {
    agent?.kill('SIGKILL');
  });

  it("is refused naming the primary agent's verdict, and after heal nothing has changed", async () => {
    // `chdr agent` keeps its state in <cwd>/.chdr/state/<cluster>.json; the failover reads it by --state-file.
    const storePath = resolve(DIR, '.chdr/state', 'local.json');
    const snapshot = async () => ({
      pids: (await readState(DIR)).nodes.map((n) => [n.name, n.pid]),
      configs: await Promise.all(
        state.nodes.map((n) =>
          readFile(n.kind === 'zookeeper' ? n.configPath : n.zookeeperConfigPath, 'utf8'),
        ),
      ),
    });
    const before = await snapshot();
    await partition(DIR);
    const agentStarted = Date.now();
    agent = spawn(
      'node',
      [resolve('bin/chdr.cjs'), 'agent', '--config', resolve(state.topologyPath), '--interval', '2'],
      { cwd: DIR, stdio: 'ignore' },
    );
    const store = new FileStateStore(storePath);
    const first = await until(
      () => readVerdict(store, 'local', 'primary').catch(() => undefined),
      // A verdict of this agent, not one left in the directory by an earlier run.
      (verdict) => verdict?.writable === true && Date.parse(verdict.at) >= agentStarted,
      60_000,
      500,
    );

    // As an operator in the standby region: `chdr cluster exec-standby -- chdr failover ...`.
    const reply = await run(
      'node',
      [
        'bin/chdr.cjs',
        'cluster',
        'exec-standby',
        '--dir',
        DIR,
        '--',
        'node',
        'bin/chdr.cjs',
        'failover',
        '--config',
        state.topologyPath,
        '--from',
        'primary',
        '--to',
        'standby',
        '--execute',
        '--json',
        '--state-file',
        storePath,
      ],
      { timeout: 120_000 },
    ).catch((error: { stdout: string; code?: number }) => error);
    const failoverEnded = Date.now();
    expect(agent.exitCode).toBeNull(); // the agent ran throughout
    agent.kill('SIGINT');
    await heal(DIR);

    expect('code' in reply && reply.code).toBe(1); // a refused run exits non-zero
    const record = JSON.parse(reply.stdout) as { result: string; message?: string };
    expect(record.result).toBe('refused');
    expect(record.message).toMatch(/looks like a partition between the regions, not a lost region/);
    expect(record.message).toContain('--confirm-region-lost "<evidence>"');
    // The evidence: the time the primary's agent last wrote its heartbeat, seen by this run.
    const evidence = /primary agent wrote its heartbeat at (\S+),/.exec(record.message ?? '');
    expect(evidence).not.toBeNull();
    const writtenAt = Date.parse(evidence![1]!);
    expect(writtenAt).toBeGreaterThanOrEqual(Date.parse(first!.heartbeatWrittenAt!));
    expect(writtenAt).toBeLessThanOrEqual(failoverEnded);
    expect(await snapshot()).toEqual(before);
    await until(
      async () => (await status(DIR)).healthy,
      (healthy) => healthy,
      60_000,
    );
  }, 240_000);
});

describe('down', () => {
  it('after a crash of every server, removes the namespaces and the veth pair', async () => {
    const network = state.network!;
    for (const { pid } of (await readState(DIR)).nodes) if (pid !== null) process.kill(pid, 'SIGKILL');

    await down({ dir: DIR });

    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(namespaces).not.toContain(network.namespaces.standby);
    expect(namespaces).not.toContain(network.namespaces.primary);
    expect(() => execFileSync('ip', ['link', 'show', network.veth.primary], { stdio: 'ignore' })).toThrow();
    await expect(down({ dir: DIR })).resolves.toMatchObject({ stopped: [] });
  }, 60_000);
});
