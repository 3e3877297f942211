import { qualifiedName, quoteIdentifier, quoteString } from '../clickhouse/index.js';
import type { HeartbeatSettings } from './types.js';

/** The heartbeat table's database, for when it is not `default`. */
export const heartbeatDatabaseDdl = (heartbeat: HeartbeatSettings): string =>
  `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(heartbeat.database)}`;

/**
 * The Altinity DR guide's heartbeat table: one row per site, the newest `updated_at` wins.
 * Plain DateTime and a literal ZooKeeper path so that ClickHouse 18.16 accepts it too;
 * `{replica}` comes from each server's macros.
 */
export const heartbeatTableDdl = (heartbeat: HeartbeatSettings): string =>
  `CREATE TABLE IF NOT EXISTS ${qualifiedName(heartbeat.database, heartbeat.table)} (site_id String, updated_at DateTime) ` +
  `ENGINE = ReplicatedReplacingMergeTree(${quoteString(heartbeat.zooKeeperPath)}, '{replica}', updated_at) ORDER BY site_id`;
