import { describe, expect, it } from 'vitest';
import { planCluster } from '../../../lib/localcluster/index.js';
import { renderNodeFiles } from '../../../lib/localcluster/files.js';
import { clickHouseNodes, zooKeeperNodes } from '../../../lib/localcluster/layout.js';

const state = planCluster('/tmp/chdr-render');
const file = (nodeName: string, path: (node: (typeof state.nodes)[number]) => string): string => {
  const node = state.nodes.find((candidate) => candidate.name === nodeName)!;
  return renderNodeFiles(state, node).get(path(node))!;
};
const zk = (name: string) => zooKeeperNodes(state).find((node) => node.name === name)!;
const ch = (name: string) => clickHouseNodes(state).find((node) => node.name === name)!;

describe('zoo.cfg', () => {
  it('lists the three participants and the observer, static membership, 4lw open, admin server off', () => {
    const text = file('zk1', (node) => node.configPath);

    expect(text).toContain('server.1=127.0.0.1:22881:23881\n');
    expect(text).toContain('server.3=127.0.0.1:22883:23883\n');
    expect(text).toContain('server.4=127.0.0.1:22884:23884:observer\n');
    expect(text).toContain('peerType=participant\n');
    expect(text).toContain('clientPort=21811\n');
    expect(text).toContain('clientPortAddress=127.0.0.1\n');
    expect(text).toContain('4lw.commands.whitelist=*\n');
    expect(text).toContain('admin.enableServer=false\n');
    expect(text).toContain('reconfigEnabled=false\n');
    expect(text).toContain(`dataDir=${zk('zk1').dataDir}\n`);
  });

  it('makes zk4 an observer on its own side too', () => {
    const text = file('zk4', (node) => node.configPath);

    expect(text).toContain('peerType=observer\n');
    expect(text).toContain('clientPort=21814\n');
  });

  it('writes myid with the server id', () => {
    expect(renderNodeFiles(state, zk('zk3')).get(zk('zk3').myidPath)).toBe('3\n');
  });
});

describe('ClickHouse config', () => {
  it('listens on loopback with the node ports and serves parts to other replicas on 127.0.0.1', () => {
    const text = file('ch2', (node) => node.configPath);

    expect(text).toMatch(/^<\?xml version="1.0"\?>\n<yandex>/);
    expect(text).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(text).toContain('<http_port>18124</http_port>');
    expect(text).toContain('<tcp_port>19002</tcp_port>');
    expect(text).toContain('<interserver_http_port>19012</interserver_http_port>');
    expect(text).toContain('<interserver_http_host>127.0.0.1</interserver_http_host>');
    expect(text).toContain(`<path>${ch('ch2').dataDir}/</path>`);
    expect(text).toContain(`<users_config>${ch('ch2').usersPath}</users_config>`);
    expect(text).not.toContain('<zookeeper>');
  });

  it('points every replica, the standby one too, at the three participants only', () => {
    const text = file('ch3', (node) => (node.kind === 'clickhouse' ? node.zookeeperConfigPath : ''));

    expect(text.match(/<node index=/g)).toHaveLength(3);
    expect(text).toContain('<node index="1"><host>127.0.0.1</host><port>21811</port></node>');
    expect(text).toContain('<node index="3"><host>127.0.0.1</host><port>21813</port></node>');
    expect(text).not.toContain('21814');
  });

  it('sets the cluster, shard and replica macros', () => {
    const text = file('ch3', (node) => (node.kind === 'clickhouse' ? node.macrosPath : ''));

    expect(text).toContain('<cluster>local</cluster>');
    expect(text).toContain('<shard>01</shard>');
    expect(text).toContain('<replica>ch3</replica>');
  });

  it('lets the default user in without a password from loopback only', () => {
    const text = file('ch1', (node) => (node.kind === 'clickhouse' ? node.usersPath : ''));

    expect(text).toContain('<password></password>');
    expect(text.match(/<ip>[^<]+<\/ip>/g)).toEqual(['<ip>127.0.0.1</ip>', '<ip>::1</ip>']);
  });
});
