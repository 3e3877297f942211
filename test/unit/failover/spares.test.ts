import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../lib/config/parse.js';
import { executeOperation, formatPlan, planOperation } from '../../../lib/failover/index.js';
import { readRoles } from '../../../lib/roles/index.js';
import { lostPrimarySim } from './fake-cluster.js';

const failover = { kind: 'failover', from: 'primary', to: 'standby', force: true } as const;

const voters = (sim: ReturnType<typeof lostPrimarySim>, node: string) =>
  sim
    .zooCfg(node)
    .servers.filter((s) => s.role === 'participant')
    .map((s) => s.id);

describe('spare coordination nodes (sites[].spareCoordination)', () => {
  it('grows the new ensemble to three voters, led by the promoted observer that has the newest data', async () => {
    const sim = lostPrimarySim({ spares: 2 });
    expect([...sim.running].filter((n) => /^zk[56]$/.test(n))).toEqual([]);

    const plan = formatPlan(await planOperation(sim.topology, failover, sim.deps()));
    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(plan).not.toMatch(/WARNING: the new ensemble/);
    expect(plan).toContain("Make standby's ZooKeeper nodes (zk4, zk5, zk6) a new ensemble");
    expect(report.result, report.message).toBe('succeeded');
    for (const node of ['zk4', 'zk5', 'zk6']) expect(voters(sim, node)).toEqual([4, 5, 6]);
    expect(['zk4', 'zk5', 'zk6'].map((node) => sim.mode(node))).toEqual(['leader', 'follower', 'follower']);
    expect((await readRoles(sim.store, sim.topology)).voters).toEqual(['zk4', 'zk5', 'zk6']);
    // The replicas connect to the three voters.
    expect(sim.files.get('/sim/ch3/config.d/zookeeper.xml')).toMatch(/21814[\s\S]*21815[\s\S]*21816/);
  });

  it('fails the verify when a spare without the cluster history wins the election', async () => {
    const sim = lostPrimarySim({ spares: 2, electHighestIdOnly: true });

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('rolled-back');
    const step = report.record.steps.find((s) => s.stepId === 'coordination-standby')!;
    expect(step.error?.message).toMatch(
      /zk6 leads but is a spare that held none of the cluster's transactions/,
    );
  });

  it('leaves the spares stopped with their own config when the new ensemble is rolled back', async () => {
    const sim = lostPrimarySim({ spares: 2 });
    const spareCfg = sim.files.get('/sim/zk5/zoo.cfg');
    sim.failOn = /^sim start zk6$/;

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('rolled-back');
    expect(sim.running.has('zk5')).toBe(false);
    expect(sim.running.has('zk6')).toBe(false);
    expect(sim.files.get('/sim/zk5/zoo.cfg')).toBe(spareCfg);
    expect(sim.running.has('zk4')).toBe(true);
  });

  it('recover and failback: the old primary observes the three voters, failback stops the spares again', async () => {
    const sim = lostPrimarySim({ spares: 2 });
    expect((await executeOperation(sim.topology, failover, sim.deps())).result).toBe('succeeded');
    for (const name of ['zk1', 'zk2', 'zk3', 'ch1', 'ch2']) sim.running.add(name);
    sim.now += 3_600_000;

    const recover = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    );
    expect(recover.result, recover.message).toBe('succeeded');
    expect(['zk1', 'zk2', 'zk3'].map((node) => sim.mode(node))).toEqual(['observer', 'observer', 'observer']);
    expect(voters(sim, 'zk1')).toEqual([4, 5, 6]);

    sim.now += 3_600_000;
    const failback = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );
    expect(failback.result, failback.message).toBe('succeeded');
    expect(['zk1', 'zk2', 'zk3'].map((node) => sim.mode(node)).sort()).toEqual([
      'follower',
      'follower',
      'leader',
    ]);
    expect(sim.mode('zk4')).toBe('observer');
    expect(sim.running.has('zk5') || sim.running.has('zk6')).toBe(false);
  });

  it('refuses a spare without a serverId or with role observer, naming the field', () => {
    const spare = {
      name: 'zk9',
      kind: 'zookeeper',
      host: 'zk9.internal',
      peerPort: 2888,
      electionPort: 3888,
    };
    const site = (name: string, role: string) => ({
      name,
      region: 'us-east-1',
      role,
      replicas: [{ name: `ch-${name}`, host: `ch.${name}.internal` }],
    });
    expect(() =>
      parseTopology(
        {
          cluster: 'c',
          sites: [site('a', 'primary'), { ...site('b', 'standby'), spareCoordination: [spare] }],
        },
        'spares',
      ),
    ).toThrow(/sites\[1\]\.spareCoordination\[0\]\.serverId: a spare coordination node needs its serverId/);
    expect(() =>
      parseTopology(
        {
          cluster: 'c',
          sites: [
            site('a', 'primary'),
            { ...site('b', 'standby'), spareCoordination: [{ ...spare, serverId: 9, role: 'observer' }] },
          ],
        },
        'spares',
      ),
    ).toThrow(/sites\[1\]\.spareCoordination\[0\]\.role: a spare joins the new ensemble as a voter/);
  });
});
