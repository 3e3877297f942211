import { describe, expect, it } from 'vitest';
import { enforceFence, type FenceGuardDeps } from '../../../lib/fence/index.js';
import { addFence, type FenceRecord } from '../../../lib/roles/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { SimCluster } from '../failover/fake-cluster.js';

const fence: FenceRecord = {
  site: 'primary',
  nodes: ['ch1', 'ch2', 'zk1', 'zk2', 'zk3'],
  method: 'instance-stopped',
  runId: 'run-1',
  at: '2027-01-15T08:00:00.000Z',
  by: 'sre@test',
};

const guard = (running: string[]) => {
  const { topology } = new SimCluster();
  const store = new MemoryStateStore();
  const pages: { subject: string; body: string }[] = [];
  const fenced: string[][] = [];
  const deps: FenceGuardDeps = {
    topology,
    store,
    clock: { now: () => Date.parse('2027-01-15T09:00:00Z') },
    findRunning: async (nodes) => nodes.map((n) => n.name).filter((name) => running.includes(name)),
    fenceNodes: async (nodes) => {
      fenced.push(nodes.map((n) => n.name));
      return nodes.map((n) => ({ node: n.name, confirmed: true as const, detail: 'process SIGKILLed' }));
    },
    notify: async (subject, body) => void pages.push({ subject, body }),
  };
  return { deps, store, pages, fenced, topology };
};

describe('the fence guard of a returning site', () => {
  it('does nothing for a site that is not fenced', async () => {
    const { deps, pages, fenced } = guard(['ch1']);

    expect(await enforceFence(deps, 'primary')).toBeNull();
    expect(pages).toEqual([]);
    expect(fenced).toEqual([]);
  });

  it('fences what still runs and pages once "old primary back, fenced" with what it found', async () => {
    const { deps, store, pages, fenced, topology } = guard(['ch1', 'zk2']);
    await addFence(() => store, topology, fence);

    const first = await enforceFence(deps, 'primary');
    const second = await enforceFence(deps, 'primary');

    expect(first).toMatchObject({ found: ['ch1', 'zk2'], paged: true });
    expect(second).toMatchObject({ found: ['ch1', 'zk2'], paged: false });
    expect(fenced).toEqual([
      ['ch1', 'zk2'],
      ['ch1', 'zk2'],
    ]);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.subject).toBe('[chdr] local: old primary primary back, fenced');
    expect(pages[0]!.body).toContain(
      'found ch1, zk2 serving: ch1: process SIGKILLed; zk2: process SIGKILLed',
    );
    expect(pages[0]!.body).toContain('chdr recover --from primary');
  });

  it('leaves the other site alone', async () => {
    const { deps, store, pages, topology } = guard(['ch3']);
    await addFence(() => store, topology, fence);

    expect(await enforceFence(deps, 'standby')).toBeNull();
    expect(pages).toEqual([]);
  });
});
