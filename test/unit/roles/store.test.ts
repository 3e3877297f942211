import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../lib/config/parse.js';
import {
  deployedRoles,
  fenceOf,
  readRoles,
  readVerdict,
  writeRoles,
  writeVerdict,
  type ClusterRoles,
} from '../../../lib/roles/index.js';
import { MemoryStateStore, type StateStore } from '../../../lib/state/index.js';

const topology = parseTopologyText(readFileSync('examples/two-region.yaml', 'utf8'), 'two-region.yaml');

const failedOver: ClusterRoles = {
  ...deployedRoles(topology),
  primary: 'standby',
  since: '2026-12-01T00:00:00.000Z',
  runId: 'run-1',
  operation: 'failover',
  voters: ['keeper-usw2-a'],
  fenced: [
    {
      site: 'primary',
      nodes: ['keeper-use1-a'],
      method: 'instance-stopped',
      runId: 'run-1',
      at: '2026-12-01T00:00:00.000Z',
      by: 'ops',
    },
  ],
};

describe('live cluster roles', () => {
  it('are the deployed roles until an operation records others', async () => {
    const roles = await readRoles(new MemoryStateStore(), topology);

    expect(roles.primary).toBe('primary');
    expect(roles.runId).toBeNull();
    expect(roles.voters).toEqual(['keeper-use1-a', 'keeper-use1-b', 'keeper-use1-c']);
    expect(roles.fenced).toEqual([]);
  });

  it('are written to every site and report the site whose store failed, without throwing', async () => {
    const standby = new MemoryStateStore();
    const lost: StateStore = {
      ...new MemoryStateStore(),
      get: () => Promise.reject(new Error('unreachable')),
      put: () => Promise.reject(new Error('region unreachable')),
      delete: () => Promise.reject(new Error('unreachable')),
      list: () => Promise.reject(new Error('unreachable')),
    };

    const outcome = await writeRoles(
      (site) => (site === 'standby' ? standby : lost),
      ['primary', 'standby'],
      failedOver,
    );

    expect(outcome).toEqual({
      written: ['standby'],
      failed: [{ site: 'primary', reason: 'region unreachable' }],
    });
    const read = await readRoles(standby, topology);
    expect(read.primary).toBe('standby');
    expect(fenceOf(read, 'primary')?.method).toBe('instance-stopped');
    expect(fenceOf(read, 'standby')).toBeUndefined();
  });

  it('keep each site verdict under its own key', async () => {
    const store = new MemoryStateStore();
    await writeVerdict(store, {
      cluster: 'analytics',
      site: 'primary',
      at: '2026-12-01T00:00:00.000Z',
      writable: true,
      heartbeatWrittenAt: '2026-12-01T00:00:00.000Z',
      lagSeconds: { standby: 3 },
    });

    expect((await readVerdict(store, 'analytics', 'primary'))?.lagSeconds).toEqual({ standby: 3 });
    expect(await readVerdict(store, 'analytics', 'standby')).toBeUndefined();
  });
});
