import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Topology } from '../../lib/config/index.js';
import { parseTopologyText } from '../../lib/config/parse.js';
import {
  createFailoverRuntime,
  executeOperation,
  formatHistory,
  type FailoverRuntime,
  type RunReport,
} from '../../lib/failover/index.js';
import type { HostExecutor } from '../../lib/executor/index.js';
import { sendFourLetterWord } from '../../lib/keeper/index.js';
import { down, readState, renderTopology, up } from '../../lib/localcluster/index.js';
import { MemoryStateStore } from '../../lib/state/index.js';

/**
 * Issue 8's planned switchover with zero data loss, on a local cluster of its own: an insert stream runs
 * against the write endpoint (the primary's replica, then the new primary's once the old one refuses)
 * while `switchover primary -> standby` runs. Every acknowledged insert must be at the new primary
 * afterwards (count and checksum), and the writes are refused, not lost, while the switch takes place.
 */

const DIR = resolve('.chdr/failover-switchover');
const PORT_BASE = 3_000;

let topology: Topology;
let topologyText: string;
let runtime: FailoverRuntime;
let ports: Record<string, number> = {};

/**
 * One query over a fresh HTTP connection (no keep-alive: an idle pooled connection would keep a stopping
 * ClickHouse 18.16 waiting for it, which is the client's doing, not the switchover's).
 */
const sql = (replica: string, query: string, timeoutMs = 10_000): Promise<string> =>
  new Promise((resolvePromise, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: ports[replica],
        method: 'POST',
        path: '/',
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          response.statusCode === 200
            ? resolvePromise(text.trim())
            : reject(new Error(`${replica}: ${text.trim()}`)),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${replica}: timeout`)));
    request.on('error', reject);
    request.end(query);
  });

beforeAll(async () => {
  execFileSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  await down({ dir: DIR });
  // Whatever an earlier run left (its journal and lock file too) goes first.
  await rm(DIR, { recursive: true, force: true });
  const { state } = await up({ dir: DIR, portBase: PORT_BASE, timeoutMs: 90_000 });
  ports = Object.fromEntries(
    state.nodes.map((node) => [node.name, node.kind === 'zookeeper' ? node.clientPort : node.httpPort]),
  );
  topologyText = renderTopology(state).text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n');
  topology = parseTopologyText(topologyText, 'switchover');
  runtime = await createFailoverRuntime(topology, {
    store: new MemoryStateStore(),
    log: (line) => process.stdout.write(`[switchover] ${line}\n`),
  });
  for (const replica of ['ch1', 'ch2', 'ch3']) {
    await sql(
      replica,
      `CREATE TABLE default.stream (id UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/01/stream', '${replica}') ORDER BY id`,
    );
  }
  await sql('ch1', "INSERT INTO default.heart_beat VALUES ('primary', now())");
});

afterAll(async () => {
  await runtime?.close();
  await down({ dir: DIR });
});

const configFiles = async (): Promise<Record<string, string>> => {
  const names = [
    'zk1/zoo.cfg',
    'zk2/zoo.cfg',
    'zk3/zoo.cfg',
    'zk4/zoo.cfg',
    ...['ch1', 'ch2', 'ch3'].map((n) => `${n}/config.d/zookeeper.xml`),
  ];
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await readFile(resolve(DIR, name), 'utf8')] as const)),
  );
};

const srvrMode = async (node: string): Promise<string> => {
  const reply = await sendFourLetterWord({ host: '127.0.0.1', port: ports[node]! }, 'srvr', {
    timeoutMs: 2_000,
  });
  return reply.ok ? (/Mode: (\S+)/.exec(reply.value)?.[1] ?? 'not-serving') : 'unreachable';
};

describe('switchover rollback on real servers', () => {
  it('puts the cluster back as it started when a step fails before the point of no return', async () => {
    const files = await configFiles();
    let injected = false;
    const executor: HostExecutor = {
      kind: 'local+fault',
      run: async (command) => {
        // The new ensemble's start: before the point of no return (the repoint that follows).
        if (!injected && /cluster start zk4 /.test(command.command)) {
          injected = true;
          return { exitCode: 1, stdout: '', stderr: 'injected failure', durationMs: 0, timedOut: false };
        }
        return runtime.deps.executor.run(command);
      },
    };

    const report = await executeOperation(
      topology,
      { kind: 'switchover', from: 'primary', to: 'standby' },
      { ...runtime.deps, executor },
    );

    process.stdout.write(`${formatHistory([report.record])}\n`);
    expect(report.result, report.message).toBe('rolled-back');
    expect(report.message).toMatch(
      /coordination-standby failed before the point of no return .* the cluster is as it was/,
    );
    expect(await configFiles()).toEqual(files);
    const modes = await Promise.all(['zk1', 'zk2', 'zk3', 'zk4'].map(srvrMode));
    expect(modes.slice(0, 3).filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes[3]).toBe('observer');
    for (const replica of ['ch1', 'ch2', 'ch3']) {
      await expect
        .poll(() => sql(replica, 'SELECT sum(is_readonly) FROM system.replicas').catch(() => 'down'), {
          timeout: 30_000,
          interval: 500,
        })
        .toBe('0');
    }
  });
});

describe('switchover with an insert stream running', () => {
  it('loses no acknowledged insert; writes are refused, not lost, while the primary role moves', async () => {
    const acknowledged: number[] = [];
    const refusedAt: number[] = [];
    let endpoint = 'ch1';
    let stop = false;
    let next = 1;
    // ids are sent in order; after the stream stops, the last acknowledged ones were written at ch3.
    const stream = (async () => {
      while (!stop) {
        const id = next;
        next += 1;
        try {
          await sql(endpoint, `INSERT INTO default.stream VALUES (${id})`, 3_000);
          acknowledged.push(id);
        } catch {
          refusedAt.push(Date.now());
          // The write endpoint moves to the new primary once the old one refuses (what Route 53 does).
          endpoint = 'ch3';
        }
        await sleep(100);
      }
    })();
    await sleep(1_500);

    const report = await executeOperation(
      topology,
      { kind: 'switchover', from: 'primary', to: 'standby', startedBy: 'switchover test' },
      runtime.deps,
    );
    await sleep(1_000);
    stop = true;
    await stream;

    process.stdout.write(`${formatHistory([report.record])}\n`);
    expect(report.result, report.message).toBe('succeeded');
    const present = new Set(
      (await sql('ch3', 'SELECT id FROM default.stream ORDER BY id FORMAT TSV'))
        .split('\n')
        .filter(Boolean)
        .map(Number),
    );
    const missing = acknowledged.filter((id) => !present.has(id));
    const sum = (ids: number[]) => ids.reduce((a, b) => a + b, 0);
    const windowSeconds = refusedAt.length === 0 ? 0 : (refusedAt.at(-1)! - refusedAt[0]!) / 1000;
    process.stdout.write(
      `switchover: ${acknowledged.length} inserts acknowledged (checksum ${sum(acknowledged)}), ${present.size} rows at the new primary ` +
        `(checksum of the acknowledged ones there ${sum(acknowledged.filter((id) => present.has(id)))}); ` +
        `${refusedAt.length} inserts refused over ${windowSeconds.toFixed(1)} s; switchover took ${report.record.steps.reduce((a, s) => a + (s.durationMs ?? 0), 0) / 1000} s\n`,
    );
    expect(missing).toEqual([]);
    expect(sum(acknowledged.filter((id) => present.has(id)))).toBe(sum(acknowledged));
    expect(acknowledged.length).toBeGreaterThan(10);
    // Writes were refused during the switch and accepted again at the new primary after it.
    expect(refusedAt.length).toBeGreaterThan(0);
    expect(acknowledged.at(-1)!).toBeGreaterThan(next - 15);
  });
});

describe('guard rails on real servers (after the switchover: standby is the primary)', () => {
  const withFailover = (extra: string) =>
    parseTopologyText(topologyText.replace('failover:\n  blockPeriodMinutes: 0\n', `failover:\n${extra}`));
  const unchanged = async (action: () => Promise<RunReport>) => {
    const files = await configFiles();
    const pids = (await readState(DIR)).nodes.map((node) => node.pid);
    const report = await action();
    expect(await configFiles()).toEqual(files);
    expect((await readState(DIR)).nodes.map((node) => node.pid)).toEqual(pids);
    return report;
  };

  it('refuses a failback inside the anti-flapping block period, naming the previous run, with nothing changed', async () => {
    const blocked = withFailover('  blockPeriodMinutes: 60\n');
    const report = await unchanged(() =>
      executeOperation(blocked, { kind: 'failback', from: 'standby', to: 'primary' }, runtime.deps),
    );
    expect(report.result).toBe('refused');
    expect(report.message).toMatch(
      /switchover primary->standby\) finished at .*block period \(60 min\) ends at .*--ack-recent/,
    );
  });

  it('refuses when --expect-primary names a site that is not the observed primary, with nothing changed', async () => {
    const report = await unchanged(() =>
      executeOperation(
        topology,
        { kind: 'failback', from: 'standby', to: 'primary', expectPrimary: 'primary' },
        runtime.deps,
      ),
    );
    expect(report.result).toBe('refused');
    expect(report.message).toMatch(/--expect-primary primary, but the observed primary is standby/);
  });

  it('aborts before any change when a pre-hook (fencing) fails', async () => {
    const hooked = withFailover(
      '  blockPeriodMinutes: 0\n  hooks:\n    pre:\n      - { command: "exit 3" }\n',
    );
    const report = await unchanged(() =>
      executeOperation(hooked, { kind: 'failback', from: 'standby', to: 'primary' }, runtime.deps),
    );
    expect(report.result).toBe('failed');
    expect(report.message).toMatch(/pre-hook command exit 3 failed \(nothing changed\)/);
  });
});
