import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../lib/config/parse.js';
import { DEFAULT_CLUSTER_DIR, planCluster, renderTopology } from '../../../lib/localcluster/index.js';

describe('renderTopology', () => {
  it('with the default port base, describes the same cluster as examples/local.yaml', async () => {
    const example = parseTopologyText(await readFile('examples/local.yaml', 'utf8'), 'examples/local.yaml');

    const { text, topology } = renderTopology(planCluster(resolve(DEFAULT_CLUSTER_DIR)));

    expect(topology).toEqual(example);
    expect(parseTopologyText(text)).toEqual(example);
  });

  it('with another port base, moves every endpoint and still validates', () => {
    const { topology } = renderTopology(planCluster('/tmp/chdr-topology', 10_000));

    const [primary, standby] = topology.sites;
    expect(primary!.replicas.map((replica) => replica.httpPort)).toEqual([10_123, 10_124]);
    expect(standby!.replicas.map((replica) => replica.httpPort)).toEqual([10_125]);
    expect(standby!.coordination[0]).toMatchObject({
      name: 'zk4',
      role: 'observer',
      clientPort: 13_814,
      peerPort: 14_884,
      electionPort: 15_884,
    });
  });
});
