import { CLICKHOUSE_ZOOKEEPER_TIMING, CLUSTER_NAME, LOOPBACK, SHARD } from './constants.js';
import type { ClickHouseNodeState, ZooKeeperNodeState } from './types.js';

/**
 * ClickHouse 18.16 config files (root element `<yandex>`). The main file carries everything but the
 * macros and the `<zookeeper>` section, which live in config.d so failover can rewrite one small file;
 * 18.16 reads `<zookeeper>` only at start, so a rewrite needs a restart.
 */

const xmlEscape = (value: string | number): string =>
  String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const xmlDocument = (lines: readonly string[]): string =>
  ['<?xml version="1.0"?>', '<yandex>', ...lines.map((line) => `    ${line}`), '</yandex>', ''].join('\n');

export const renderClickHouseConfig = (
  node: ClickHouseNodeState,
  replicas: readonly ClickHouseNodeState[],
): string => {
  const data = (sub: string) => xmlEscape(`${node.dataDir}/${sub}`);
  return xmlDocument([
    `<!-- ${node.name} (${node.site} site), written by chdr cluster up -->`,
    '<logger>',
    '    <level>information</level>',
    `    <log>${xmlEscape(node.logPath)}</log>`,
    `    <errorlog>${xmlEscape(node.errorLogPath)}</errorlog>`,
    '    <size>20M</size>',
    '    <count>1</count>',
    '</logger>',
    // Loopback of the node's own namespace, and its veth address when the sites have namespaces.
    ...[...new Set([LOOPBACK, node.host])].map((host) => `<listen_host>${xmlEscape(host)}</listen_host>`),
    `<http_port>${node.httpPort}</http_port>`,
    `<tcp_port>${node.tcpPort}</tcp_port>`,
    `<interserver_http_port>${node.interserverPort}</interserver_http_port>`,
    `<interserver_http_host>${xmlEscape(node.host)}</interserver_http_host>`,
    `<path>${data('')}</path>`,
    `<tmp_path>${data('tmp/')}</tmp_path>`,
    `<user_files_path>${data('user_files/')}</user_files_path>`,
    `<format_schema_path>${data('format_schemas/')}</format_schema_path>`,
    `<users_config>${xmlEscape(node.usersPath)}</users_config>`,
    '<default_profile>default</default_profile>',
    '<default_database>default</default_database>',
    '<timezone>UTC</timezone>',
    '<umask>022</umask>',
    '<max_connections>256</max_connections>',
    '<keep_alive_timeout>3</keep_alive_timeout>',
    '<max_concurrent_queries>50</max_concurrent_queries>',
    '<uncompressed_cache_size>67108864</uncompressed_cache_size>',
    '<mark_cache_size>67108864</mark_cache_size>',
    '<mlock_executable>false</mlock_executable>',
    '<max_session_timeout>3600</max_session_timeout>',
    '<default_session_timeout>60</default_session_timeout>',
    `<remote_servers>`,
    `    <${CLUSTER_NAME}>`,
    '        <shard>',
    '            <internal_replication>true</internal_replication>',
    ...replicas.map(
      (replica) =>
        `            <replica><host>${xmlEscape(replica.host)}</host><port>${replica.tcpPort}</port></replica>`,
    ),
    '        </shard>',
    `    </${CLUSTER_NAME}>`,
    '</remote_servers>',
    '<distributed_ddl>',
    '    <path>/clickhouse/task_queue/ddl</path>',
    '</distributed_ddl>',
  ]);
};

/** The `<zookeeper>` section, alone in config.d/zookeeper.xml: the given nodes, in order. */
export const renderClickHouseZooKeeperConfig = (
  nodes: readonly Pick<ZooKeeperNodeState, 'host' | 'clientPort'>[],
): string =>
  xmlDocument([
    '<zookeeper>',
    ...nodes.map(
      (node, i) =>
        `    <node index="${i + 1}"><host>${xmlEscape(node.host)}</host><port>${node.clientPort}</port></node>`,
    ),
    `    <session_timeout_ms>${CLICKHOUSE_ZOOKEEPER_TIMING.sessionTimeoutMs}</session_timeout_ms>`,
    `    <operation_timeout_ms>${CLICKHOUSE_ZOOKEEPER_TIMING.operationTimeoutMs}</operation_timeout_ms>`,
    '</zookeeper>',
  ]);

/** The Altinity guide's macros: `{cluster}`, `{shard}`, `{replica}` (the node's name). */
export const renderClickHouseMacros = (node: ClickHouseNodeState): string =>
  xmlDocument([
    '<macros>',
    `    <cluster>${CLUSTER_NAME}</cluster>`,
    `    <shard>${SHARD}</shard>`,
    `    <replica>${xmlEscape(node.name)}</replica>`,
    '</macros>',
  ]);

/**
 * The `default` user without a password, reachable from loopback only (and from the veth /30 between
 * the sites' namespaces, when given); small background pools.
 */
export const renderClickHouseUsers = (linkSubnet?: string): string =>
  xmlDocument([
    '<profiles>',
    '    <default>',
    '        <max_memory_usage>2000000000</max_memory_usage>',
    '        <background_pool_size>4</background_pool_size>',
    '        <background_schedule_pool_size>8</background_schedule_pool_size>',
    '        <load_balancing>in_order</load_balancing>',
    '    </default>',
    '</profiles>',
    '<users>',
    '    <default>',
    '        <password></password>',
    '        <networks>',
    '            <ip>127.0.0.1</ip>',
    '            <ip>::1</ip>',
    ...(linkSubnet ? [`            <ip>${xmlEscape(linkSubnet)}</ip>`] : []),
    '        </networks>',
    '        <profile>default</profile>',
    '        <quota>default</quota>',
    '    </default>',
    '</users>',
    '<quotas>',
    '    <default>',
    '        <interval>',
    '            <duration>3600</duration>',
    '            <queries>0</queries>',
    '            <errors>0</errors>',
    '            <result_rows>0</result_rows>',
    '            <read_rows>0</read_rows>',
    '            <execution_time>0</execution_time>',
    '        </interval>',
    '    </default>',
    '</quotas>',
  ]);
