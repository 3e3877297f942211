import { describe, expect, it } from 'vitest';
import {
  heartbeatDatabaseDdl,
  heartbeatInsertSql,
  heartbeatReadSql,
  heartbeatTableDdl,
} from '../../../lib/heartbeat/index.js';
import { quoteString } from '../../../lib/clickhouse/index.js';

const settings = {
  database: 'default',
  table: 'heart_beat',
  zooKeeperPath: '/clickhouse/tables/chdr/heart_beat',
};

describe('heartbeat SQL', () => {
  it('creates the guide’s table with a literal path and the {replica} macro (18.16-safe)', () => {
    expect(heartbeatTableDdl(settings)).toBe(
      'CREATE TABLE IF NOT EXISTS `default`.`heart_beat` (site_id String, updated_at DateTime) ' +
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/chdr/heart_beat', '{replica}', updated_at) ORDER BY site_id",
    );
    expect(heartbeatDatabaseDdl({ ...settings, database: 'ops' })).toBe(
      'CREATE DATABASE IF NOT EXISTS `ops`',
    );
  });

  it('inserts with INSERT ... SELECT and the server clock, the site name quoted', () => {
    expect(heartbeatInsertSql(settings, 'us-east')).toBe(
      "INSERT INTO `default`.`heart_beat` (site_id, updated_at) SELECT 'us-east', now()",
    );
  });

  it('escapes quotes and backslashes in the site literal even though the config forbids them', () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
    expect(heartbeatInsertSql(settings, "x'); DROP TABLE t; --")).toBe(
      "INSERT INTO `default`.`heart_beat` (site_id, updated_at) SELECT 'x\\'); DROP TABLE t; --', now()",
    );
  });

  it('reads every site and the server clock in one row without query parameters', () => {
    const sql = heartbeatReadSql(settings);
    expect(sql).toBe(
      'SELECT toUInt32(now()) AS server_now, groupArray(site) AS site_ids, groupArray(newest) AS last_updated_at ' +
        'FROM (SELECT site_id AS site, toUInt32(max(updated_at)) AS newest FROM `default`.`heart_beat` GROUP BY site_id)',
    );
    expect(sql).not.toMatch(/\{\w+:\w+\}|FINAL|FORMAT/);
  });
});
