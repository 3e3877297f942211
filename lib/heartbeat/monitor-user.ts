import {
  qualifiedName,
  quoteIdentifier,
  quoteString,
  type ClickHouseConnection,
} from '../clickhouse/index.js';
import type { HeartbeatSettings } from './types.js';

/**
 * Whether the server manages users with SQL (CREATE USER, GRANT: ClickHouse 20.4 and later, which have
 * `system.users`); 18.16 keeps them in users.xml only.
 */
export const hasAccessManagement = async (
  connection: ClickHouseConnection,
  timeoutMs: number,
): Promise<boolean> => {
  const rows = await connection.queryRows<{ found: number | string }>(
    "SELECT count() AS found FROM system.tables WHERE database = 'system' AND name = 'users'",
    { timeoutMs },
  );
  return Number(rows[0]?.found ?? 0) > 0;
};

/**
 * Least privilege for what a cycle does: read the replication tables and the user list (security lint),
 * write and read the heartbeat table. Nothing else; no DDL (`chdr setup` creates the table as an admin).
 */
export const monitorUserSql = (heartbeat: HeartbeatSettings, user: string, password: string): string[] => {
  const who = quoteIdentifier(user);
  return [
    `CREATE USER IF NOT EXISTS ${who} IDENTIFIED WITH sha256_password BY ${quoteString(password)}`,
    `GRANT SELECT ON system.replicas TO ${who}`,
    `GRANT SELECT ON system.replication_queue TO ${who}`,
    `GRANT SELECT ON system.processes TO ${who}`,
    `GRANT SHOW USERS ON *.* TO ${who}`,
    `GRANT SELECT, INSERT ON ${qualifiedName(heartbeat.database, heartbeat.table)} TO ${who}`,
  ];
};

/**
 * The same for servers without SQL user management (18.16): a users.d snippet. It cannot restrict per
 * table, so it limits the user to the heartbeat's database and `system`, without DDL.
 */
export const monitorUserXml = (heartbeat: HeartbeatSettings, user: string): string =>
  [
    '<!-- /etc/clickhouse-server/users.d/chdr-monitor.xml on every replica -->',
    '<yandex>',
    '  <profiles>',
    '    <chdr_monitor>',
    '      <allow_ddl>0</allow_ddl>',
    '    </chdr_monitor>',
    '  </profiles>',
    '  <users>',
    `    <${user}>`,
    '      <password_sha256_hex><!-- echo -n "$PASSWORD" | sha256sum --></password_sha256_hex>',
    "      <networks><ip>::/0</ip></networks><!-- narrow to the monitor functions' subnets -->",
    '      <profile>chdr_monitor</profile>',
    '      <quota>default</quota>',
    '      <allow_databases>',
    `        <database>${heartbeat.database}</database>`,
    '        <database>system</database>',
    '      </allow_databases>',
    `    </${user}>`,
    '  </users>',
    '</yandex>',
  ].join('\n');
