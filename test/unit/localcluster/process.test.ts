import { describe, expect, it } from 'vitest';
import { namesConfig, stillOurs } from '../../../lib/localcluster/process.js';

describe('namesConfig', () => {
  it('recognises ZooKeeper started from its zoo.cfg and ClickHouse from --config-file', () => {
    expect(namesConfig(['java', '-cp', 'x.jar', 'QuorumPeerMain', '/c/zk1/zoo.cfg'], '/c/zk1/zoo.cfg')).toBe(
      true,
    );
    expect(namesConfig(['clickhouse-server', '--config-file=/c/ch1/config.xml'], '/c/ch1/config.xml')).toBe(
      true,
    );
  });

  it('does not take another cluster’s process for ours', () => {
    expect(namesConfig(['java', 'QuorumPeerMain', '/other/zk1/zoo.cfg'], '/c/zk1/zoo.cfg')).toBe(false);
    expect(
      namesConfig(['clickhouse-server', '--config-file=/c/ch1/config.xml.bak'], '/c/ch1/config.xml'),
    ).toBe(false);
  });
});

describe('stillOurs (stopping a node waits until it holds nothing)', () => {
  it('counts a process that reads no arguments as still there: it is exiting and holds its files and ports', () => {
    expect(stillOurs([], '/c/ch1/config.xml')).toBe(true);
  });

  it('counts ours as still there, and a zombie, no process or another program as gone', () => {
    expect(stillOurs(['clickhouse-server', '--config-file=/c/ch1/config.xml'], '/c/ch1/config.xml')).toBe(
      true,
    );
    expect(stillOurs(null, '/c/ch1/config.xml')).toBe(false);
    expect(stillOurs(['sleep', '60'], '/c/ch1/config.xml')).toBe(false);
  });
});
