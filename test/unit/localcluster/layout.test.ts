import { describe, expect, it } from 'vitest';
import { isChdrError } from '../../../lib/errors/index.js';
import {
  DEFAULT_PORT_BASE,
  LOCAL_CLUSTER_ERROR_CODES,
  planCluster,
} from '../../../lib/localcluster/index.js';
import { clickHouseNodes, portsOf, zooKeeperNodes } from '../../../lib/localcluster/layout.js';

describe('planCluster', () => {
  it('gives the documented ports with the default port base', () => {
    const state = planCluster('/tmp/chdr-plan');

    expect(state.portBase).toBe(DEFAULT_PORT_BASE);
    expect(
      zooKeeperNodes(state).map((n) => [n.name, n.site, n.role, n.clientPort, n.peerPort, n.electionPort]),
    ).toEqual([
      ['zk1', 'primary', 'participant', 21811, 22881, 23881],
      ['zk2', 'primary', 'participant', 21812, 22882, 23882],
      ['zk3', 'primary', 'participant', 21813, 22883, 23883],
      ['zk4', 'standby', 'observer', 21814, 22884, 23884],
    ]);
    expect(
      clickHouseNodes(state).map((n) => [n.name, n.site, n.httpPort, n.tcpPort, n.interserverPort]),
    ).toEqual([
      ['ch1', 'primary', 18123, 19001, 19011],
      ['ch2', 'primary', 18124, 19002, 19012],
      ['ch3', 'standby', 18125, 19003, 19013],
    ]);
  });

  it('shifts every port by the same offset with another port base', () => {
    const reference = planCluster('/tmp/chdr-plan');
    const shifted = planCluster('/tmp/chdr-plan', DEFAULT_PORT_BASE - 8_000);

    const ports = (state: typeof reference) => state.nodes.flatMap(portsOf);
    expect(ports(shifted)).toEqual(ports(reference).map((port) => port - 8_000));
  });

  it('never gives two nodes the same port', () => {
    const ports = planCluster('/tmp/chdr-plan').nodes.flatMap(portsOf);

    expect(new Set(ports).size).toBe(ports.length);
  });

  it('keeps every node under its own directory, with absolute paths', () => {
    const state = planCluster('relative/dir');

    for (const node of state.nodes) {
      expect(node.dir).toBe(`${state.dir}/${node.name}`);
      for (const path of [node.configPath, node.dataDir, node.logPath])
        expect(path.startsWith(`${node.dir}/`)).toBe(true);
    }
    expect(state.dir.startsWith('/')).toBe(true);
    expect(state.topologyPath).toBe(`${state.dir}/topology.yaml`);
  });

  it('rejects a port base that would put a port below 1024 or in the ephemeral range', () => {
    for (const base of [64_000, 26_001, 900]) {
      const attempt = () => planCluster('/tmp/chdr-plan', base);

      expect(attempt).toThrow(
        new RegExp(`port base must be an integer from 901 to 26000 .*ephemeral.*; got ${base}`),
      );
      try {
        attempt();
      } catch (error) {
        expect(isChdrError(error, LOCAL_CLUSTER_ERROR_CODES.badPortBase)).toBe(true);
      }
    }
    // The highest base's highest port (zk6's election port) is below 32768.
    const top = planCluster('/tmp/chdr-plan', 26_000, new Date(), { spares: 2 });
    expect(
      Math.max(...top.nodes.flatMap((n) => Object.values(n).filter((v) => typeof v === 'number'))),
    ).toBeLessThan(32_768);
  });
});
