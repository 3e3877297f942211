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

/** What the new ensemble lists under the replica compared, and under the old site's other replicas. */
const listing = (underReplica: string[], elsewhere: string[] = []) => ({
  underReplica: new Set(underReplica),
  underOldSite: new Set([...underReplica, ...elsewhere]),
});

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

    const result = compareTable('ch1', table, old, fresh, listing(['202611_0_0_0', '202611_1_1_0']));

    expect(result.pending).toEqual([{ name: '202611_1_1_0', rows: 20 }]);
    expect(result.divergent).toEqual([{ name: '202611_2_2_0', rows: 7, path: '/data/orders/202611_2_2_0/' }]);
    expect(describeDivergence([result])).toEqual([
      'ch1 default.orders: 7 rows in 1 parts unknown to the new ensemble; 20 rows in 1 parts the new ensemble knows (fetched by the new primary on rejoin)',
    ]);
  });

  it('takes a merged part at the new primary as covering only parts the new ensemble knows', () => {
    const old = [part('202611_3_3_0', 5), part('202611_4_4_0', 6)];
    // The new ensemble handed out blocks 0..9 again to other rows: 202611_4_4_0 is not in it.
    const fresh = [part('202611_0_9_1', 100)];

    const result = compareTable('ch1', table, old, fresh, listing(['202611_3_3_0']));

    expect(result.pending).toEqual([]);
    expect(result.divergent.map((p) => p.name)).toEqual(['202611_4_4_0']);
  });

  it('finds parts the new primary holds that the new ensemble does not list under the old replica, and the flag each such replica needs', () => {
    // ch2's copy of 202611_0_0_0 was registered after the observer's last view; 202611_1_1_0 is listed.
    const old = [part('202611_0_0_0', 500), part('202611_1_1_0', 3)];
    const fresh = [part('202611_0_0_0', 500), part('202611_1_1_0', 3)];
    const ch2 = { ...table, replicaName: 'ch2' };

    const unlisted = compareTable('ch2', ch2, old, fresh, listing(['202611_1_1_0'], ['202611_0_0_0']));
    const listed = compareTable('ch1', table, old, fresh, listing(['202611_0_0_0', '202611_1_1_0']));

    expect(unlisted).toMatchObject({ divergent: [], pending: [], unlistedRows: 500 });
    expect(unlisted.unlisted).toEqual([
      { name: '202611_0_0_0', rows: 500, path: '/data/orders/202611_0_0_0/' },
    ]);
    expect(listed.unlisted).toEqual([]);
    expect(describeDivergence([unlisted, listed])).toEqual([
      'ch2 default.orders: 500 rows in 1 parts whose rows the new primary holds but the new ensemble does not list under ch2 ' +
        '(force_restore_data; on rejoin ClickHouse lists a merged part in place of the parts it covers, or moves the part ' +
        'to detached/ and fetches it again): 202611_0_0_0',
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

  it('takes a part of the same name as divergent when its blocks came after the last view both ensembles share', () => {
    // The new ensemble never heard of the old primary's insert into 202611 and numbered the new primary's
    // first insert there 0 again: same name, other rows.
    const old = [part('202611_0_0_0', 500)];
    const fresh = [part('202611_0_0_0', 1), part('202612_0_0_0', 9)];

    const result = compareTable('ch1', table, old, fresh, listing([], ['202612_0_0_0']));

    expect(result).toMatchObject({ divergentRows: 500, pending: [], unlisted: [] });
    expect(measuredLoss([result])).toMatchObject({ rows: 500, divergentRows: 500 });
  });

  it('takes a merge the old site made after the observer stopped as held when the new primary has every block of it', () => {
    // The observer saw ch1's two inserts; ch1 merged them afterwards; the new primary has both.
    const old = [
      { ...part('202611_0_1_1', 500), path: '/var/lib/clickhouse/data/default/orders/202611_0_1_1/' },
    ];
    const both = [part('202611_0_0_0', 250), part('202611_1_1_0', 250)];
    const seen = listing(['202611_0_0_0', '202611_1_1_0']);

    const merged = compareTable('ch1', table, old, both, seen);
    // Block 1 missing at the new primary: the merged part's rows cannot be told apart, all are kept.
    const missingOne = compareTable('ch1', table, old, [both[0]!], seen);

    expect(merged).toMatchObject({ divergent: [], pending: [], unlistedRows: 500 });
    expect(measuredLoss([merged])).toMatchObject({ rows: 0, parts: 0 });
    expect(unlistedPartFlags([merged])).toEqual(
      new Map([['ch1', '/var/lib/clickhouse/flags/force_restore_data']]),
    );
    expect(missingOne).toMatchObject({ divergentRows: 500, unlisted: [] });
    expect(missingOne.divergent[0]?.mixesHeld).toBe(true);
  });

  it('marks a divergent part the old site merged from a block the new primary holds and one it lacks', () => {
    // Block 0 was seen by the observer and fetched by the new primary; block 1 came after; ch1 merged both.
    const old = [part('202611_0_1_1', 500), part('202611_2_2_0', 9)];
    const fresh = [part('202611_0_0_0', 250), part('202612_0_0_0', 1)];

    const result = compareTable('ch1', table, old, fresh, listing(['202611_0_0_0']));

    expect(result.divergent).toEqual([
      { name: '202611_0_1_1', rows: 500, path: '/data/orders/202611_0_1_1/', mixesHeld: true },
      { name: '202611_2_2_0', rows: 9, path: '/data/orders/202611_2_2_0/' },
    ]);
    expect(
      describeDivergence([
        {
          ...result,
          sideTable: 'default.orders_chdr_divergent_r1',
          mixedTable: 'default.orders_chdr_mixed_r1',
        },
      ]),
    ).toEqual([
      'ch1 default.orders: 509 rows in 2 parts unknown to the new ensemble, kept in default.orders_chdr_divergent_r1 ' +
        'and moved to detached/; of those, 500 rows in 202611_0_1_1 were merged by the old site from blocks the new ' +
        'primary holds and blocks it lacks, kept in default.orders_chdr_mixed_r1 and not put back by ' +
        '--reinsert-divergent (a part does not tell which rows came from which block): compare them with the new ' +
        'primary by hand',
    ]);
    const onlyMixed = { ...result, divergent: result.divergent.slice(0, 1), divergentRows: 500 };
    expect(describeDivergence([{ ...onlyMixed, mixedTable: 'default.orders_chdr_mixed_r1' }])[0]).toMatch(
      /^ch1 default\.orders: 500 rows in 1 parts unknown to the new ensemble, moved to detached\/; of those, 500 rows in 202611_0_1_1 .*, kept in default\.orders_chdr_mixed_r1 and not put back/,
    );
  });

  it('counts a part both old replicas hold once in the measured loss', () => {
    const a = compareTable('ch1', table, [part('202611_0_0_0', 500)], [], listing([]));
    const b = compareTable(
      'ch2',
      { ...table, replicaName: 'ch2' },
      [part('202611_0_0_0', 500)],
      [],
      listing([]),
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
