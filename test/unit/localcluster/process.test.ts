import { describe, expect, it } from 'vitest';
import { namesConfig } from '../../../lib/localcluster/process.js';

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
