import type { Topology } from '../config/index.js';

/**
 * The Altinity DR guide's heartbeat table: one row per site, the newest `updated_at` wins.
 * Plain DateTime and a literal ZooKeeper path so that ClickHouse 18.16 accepts it too;
 * `{replica}` comes from each server's macros.
 */
export const heartbeatTableDdl = (heartbeat: Topology['heartbeat']): string =>
  `CREATE TABLE IF NOT EXISTS ${heartbeat.database}.${heartbeat.table} (site_id String, updated_at DateTime) ` +
  `ENGINE = ReplicatedReplacingMergeTree('${heartbeat.zooKeeperPath}', '{replica}', updated_at) ORDER BY site_id`;
