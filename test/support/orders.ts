import { rm, writeFile } from 'node:fs/promises';
import { down, renderTopology, up } from '../../lib/localcluster/index.js';
import { sql } from './cluster.js';

/** The replicated `default.orders` table the failover tests write to, and their 500-row insert. */
export const ORDERS_DDL = (replica: string): string =>
  'CREATE TABLE IF NOT EXISTS default.orders (id UInt64, at DateTime, amount Float64) ' +
  `ENGINE = ReplicatedMergeTree('/clickhouse/tables/01/orders', '${replica}') PARTITION BY toYYYYMM(at) ORDER BY id`;

/** 500 rows in one part of partition 202611 (`202611_0_0_0` on the first insert). */
export const INSERT_500 =
  "INSERT INTO default.orders SELECT number, toDateTime('2026-11-30 00:00:00') + number, number / 10 " +
  'FROM system.numbers LIMIT 500';

/**
 * A fresh local cluster in `dir` (the old one and its state file removed), its topology written to
 * `topologyFile` with no block period, and `default.orders` on every replica. Returns the topology text and
 * each node's port (ZooKeeper client, ClickHouse HTTP).
 */
export const freshOrdersCluster = async (options: {
  dir: string;
  portBase: number;
  stateFile: string;
  topologyFile: string;
}): Promise<{ text: string; ports: Record<string, number> }> => {
  await down({ dir: options.dir });
  await rm(options.dir, { recursive: true, force: true });
  await rm(options.stateFile, { force: true });
  const { state } = await up({ dir: options.dir, portBase: options.portBase, timeoutMs: 90_000 });
  const ports = Object.fromEntries(
    state.nodes.map((node) => [node.name, node.kind === 'zookeeper' ? node.clientPort : node.httpPort]),
  );
  const text = renderTopology(state).text.replace('failover:\n', 'failover:\n  blockPeriodMinutes: 0\n');
  await writeFile(options.topologyFile, text);
  for (const replica of ['ch1', 'ch2', 'ch3']) await sql(ports[replica]!, ORDERS_DDL(replica));
  return { text, ports };
};
