import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalShellExecutor, SSM_MAX_OUTPUT_CHARS, type HostExecutor } from '../../../lib/executor/index.js';
import {
  compareTable,
  describeDivergence,
  measuredLoss,
  parsePartRows,
  unlistedPartFlags,
  type PartInfo,
  type TableDivergence,
} from '../../../lib/failover/divergence.js';
import { readNodeFile } from '../../../lib/failover/host.js';
import type { StepContext } from '../../../lib/failover/types.js';
import { SimCluster } from './fake-cluster.js';

const table = { database: 'default', table: 'orders', zookeeperPath: '/t/orders', replicaName: 'ch1' };
const part = (name: string, rows: number): PartInfo => {
  const [partitionId, min, max] = name.split('_');
  return {
    database: 'default',
    table: 'orders',
    name,
    partitionId: partitionId!,
    minBlock: Number(min),
    maxBlock: Number(max),
    rows,
    path: `/data/orders/${name}/`,
  };
};

describe('divergence of the old primary', () => {
  it('parses 18.16 system.parts rows (64-bit counts as strings)', () => {
    const [parsed] = parsePartRows([
      {
        database: 'default',
        table: 'orders',
        name: '202611_0_0_0',
        partition_id: '202611',
        min_block_number: '0',
        max_block_number: '0',
        rows: '500',
        path: '/d/202611_0_0_0/',
      },
    ]);

    expect(parsed).toMatchObject({ name: '202611_0_0_0', rows: 500, minBlock: 0, maxBlock: 0 });
  });

  it('splits parts only the old replica has into known to the new ensemble and divergent', () => {
    const old = [part('202611_0_0_0', 500), part('202611_1_1_0', 20), part('202611_2_2_0', 7)];
    const fresh = [part('202611_0_0_0', 500)];

    const result = compareTable('ch1', table, old, fresh, new Set(['202611_0_0_0', '202611_1_1_0']));

    expect(result.pending).toEqual([{ name: '202611_1_1_0', rows: 20 }]);
    expect(result.divergent).toEqual([{ name: '202611_2_2_0', rows: 7, path: '/data/orders/202611_2_2_0/' }]);
    expect(describeDivergence([result])).toEqual([
      'ch1 default.orders: 7 rows in 1 parts unknown to the new ensemble 20 rows in 1 parts the new ensemble knows (fetched by the new primary on rejoin)',
    ]);
  });

  it('takes a merged part at the new primary as covering only parts the new ensemble knows', () => {
    const old = [part('202611_3_3_0', 5), part('202611_4_4_0', 6)];
    // The new ensemble handed out blocks 0..9 again to other rows: 202611_4_4_0 is not in it.
    const fresh = [part('202611_0_9_1', 100)];

    const result = compareTable('ch1', table, old, fresh, new Set(['202611_3_3_0']));

    expect(result.pending).toEqual([]);
    expect(result.divergent.map((p) => p.name)).toEqual(['202611_4_4_0']);
  });

  it('finds parts the new primary holds that the new ensemble does not list under the old replica, and the flag each such replica needs', () => {
    // ch2's copy of 202611_0_0_0 was registered after the observer's last view; 202611_1_1_0 is listed.
    const old = [part('202611_0_0_0', 500), part('202611_1_1_0', 3)];
    const fresh = [part('202611_0_0_0', 500), part('202611_1_1_0', 3)];
    const ch2 = { ...table, replicaName: 'ch2' };

    const unlisted = compareTable('ch2', ch2, old, fresh, new Set(['202611_1_1_0']));
    const listed = compareTable('ch1', table, old, fresh, new Set(['202611_0_0_0', '202611_1_1_0']));

    expect(unlisted).toMatchObject({ divergent: [], pending: [], unlistedRows: 500 });
    expect(unlisted.unlisted).toEqual([
      { name: '202611_0_0_0', rows: 500, path: '/data/orders/202611_0_0_0/' },
    ]);
    expect(listed.unlisted).toEqual([]);
    expect(describeDivergence([unlisted, listed])).toEqual([
      'ch2 default.orders: 500 rows in 1 parts the new primary holds but the new ensemble does not list under ch2 ' +
        '(moved to detached/ by ClickHouse on rejoin, force_restore_data, and fetched again): 202611_0_0_0',
    ]);
    // Not lost: the new primary holds them.
    expect(measuredLoss([unlisted])).toMatchObject({ rows: 0, parts: 0 });
    const onDisk = {
      ...unlisted,
      unlisted: [{ ...unlisted.unlisted[0]!, path: '/var/lib/clickhouse/data/default/orders/202611_0_0_0/' }],
    };
    expect(unlistedPartFlags([onDisk, listed])).toEqual(
      new Map([['ch2', '/var/lib/clickhouse/flags/force_restore_data']]),
    );
    // A journal written before the field existed asks for no flag.
    const older: Partial<TableDivergence> = { ...onDisk };
    delete older.unlisted;
    expect(unlistedPartFlags([older as TableDivergence])).toEqual(new Map());
  });

  it('counts a part both old replicas hold once in the measured loss', () => {
    const a = compareTable('ch1', table, [part('202611_0_0_0', 500)], [], new Set());
    const b = compareTable(
      'ch2',
      { ...table, replicaName: 'ch2' },
      [part('202611_0_0_0', 500)],
      [],
      new Set(),
    );

    expect(measuredLoss([a, b])).toEqual({
      rows: 500,
      parts: 1,
      divergentRows: 500,
      tables: ['default.orders'],
    });
  });
});

/** The local executor, cutting standard output as SSM does. */
const cuttingExecutor = (): HostExecutor & { calls: number } => {
  const local = new LocalShellExecutor();
  const executor = {
    kind: 'ssm-like',
    calls: 0,
    async run(command: Parameters<HostExecutor['run']>[0]) {
      executor.calls += 1;
      const result = await local.run(command);
      return result.stdout.length >= SSM_MAX_OUTPUT_CHARS
        ? { ...result, stdout: result.stdout.slice(0, SSM_MAX_OUTPUT_CHARS), stdoutCut: true }
        : result;
    },
  };
  return executor;
};

describe('reading config files through an executor that cuts output', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chdr-read-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a 60,000-byte file in pieces and gets every byte', async () => {
    const sim = new SimCluster();
    const executor = cuttingExecutor();
    const content = Array.from({ length: 3_000 }, (_, i) => `server.${i}=host-${i}:2888:3888`).join('\n');
    await writeFile(join(dir, 'zoo.cfg'), content);
    const ctx = {
      settings: sim.topology.failover,
      topology: sim.topology,
      runId: 'r1',
      deadline: Date.now() + 30_000,
      deps: { executor, clock: { now: () => Date.now() } },
      note: () => undefined,
    } as unknown as StepContext;
    const node = sim.topology.sites[0]!.coordination[0]!;

    const text = await readNodeFile(ctx, node, 'readCoordinationConfig', 'zookeeper', join(dir, 'zoo.cfg'));

    expect(content.length).toBeGreaterThan(SSM_MAX_OUTPUT_CHARS * 2);
    expect(text).toBe(content);
    expect(executor.calls).toBeGreaterThan(3);
  });
});
