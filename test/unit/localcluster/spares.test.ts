import { describe, expect, it } from 'vitest';
import { planCluster, renderTopology } from '../../../lib/localcluster/index.js';
import { renderNodeFiles } from '../../../lib/localcluster/files.js';
import { parseZooCfg } from '../../../lib/failover/zookeeper-config.js';

describe('opt-in spare ZooKeeper servers of the local cluster', () => {
  it('adds zk5, zk6 at the standby site as spareCoordination; without the option nothing changes', () => {
    const plain = planCluster('/tmp/chdr-spares', 24_000);
    const spared = planCluster('/tmp/chdr-spares', 24_000, new Date(), { spares: 2 });

    expect(spared.nodes.map((n) => n.name)).toEqual([
      ...plain.nodes.map((n) => n.name).slice(0, 4),
      'zk5',
      'zk6',
      'ch1',
      'ch2',
      'ch3',
    ]);
    const { topology } = renderTopology(spared);
    const standby = topology.sites.find((s) => s.name === 'standby')!;
    expect(standby.coordination.map((n) => n.name)).toEqual(['zk4']);
    expect(standby.spareCoordination.map((n) => [n.name, n.serverId, n.clientPort])).toEqual([
      ['zk5', 5, 27_815],
      ['zk6', 6, 27_816],
    ]);
    expect(renderTopology(plain).text).not.toContain('spareCoordination');
    expect(renderTopology(plain).topology.sites[1]!.spareCoordination).toEqual([]);
  });

  it("writes a spare's zoo.cfg with itself only, and leaves the spares out of everyone else's", () => {
    const state = planCluster('/tmp/chdr-spares', 24_000, new Date(), { spares: 1 });
    const config = (name: string) => {
      const node = state.nodes.find((n) => n.name === name)!;
      return parseZooCfg(renderNodeFiles(state, node).get(node.configPath)!);
    };

    expect(config('zk5').servers.map((s) => `${s.id}:${s.role}`)).toEqual(['5:participant']);
    expect(config('zk5').settings.peerType).toBe('participant');
    expect(config('zk4').servers.map((s) => `${s.id}:${s.role}`)).toEqual([
      '1:participant',
      '2:participant',
      '3:participant',
      '4:observer',
    ]);
  });

  it('refuses more spares than the layout has ports for, naming the option', () => {
    expect(() => planCluster('/tmp/chdr-spares', 24_000, new Date(), { spares: 3 })).toThrow(
      /spares must be an integer from 0 to 2; got 3/,
    );
  });
});
