import { describe, expect, it } from 'vitest';
import { executeOperation, formatPlan, planOperation } from '../../../lib/failover/index.js';
import { SimCluster } from './fake-cluster.js';

const failover = { kind: 'failover', from: 'primary', to: 'standby', force: true } as const;

const lostPrimary = () => {
  const sim = new SimCluster();
  sim.stopSite('primary');
  return sim;
};

describe('the new ZooKeeper ensemble', () => {
  it('warns in the plan and the journal when the standby has one node to promote', async () => {
    const sim = lostPrimary();

    const plan = formatPlan(await planOperation(sim.topology, failover, sim.deps()));
    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(plan).toMatch(
      /WARNING: the new ensemble at standby has 1 voter\(s\); the DR guide asks for three/,
    );
    expect(report.result).toBe('succeeded');
    const step = report.record.steps.find((s) => s.stepId === 'coordination-standby')!;
    expect(step.output).toMatch(/WARNING: the new ensemble at standby has 1 voter/);
  });

  it("refuses before any change when a node's myid is not its serverId", async () => {
    const sim = lostPrimary();
    const myid = [...sim.files.keys()].find(
      (path) => path.startsWith('/sim/zk4/') && path.endsWith('/myid'),
    )!;
    sim.write(myid, '7\n');
    const before = sim.snapshotFiles();

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).not.toBe('succeeded');
    expect(report.message).toMatch(
      /myid and serverId disagree.*zk4: \S+myid says 7, the topology serverId 4/,
    );
    expect(sim.snapshotFiles()).toEqual(before);
    expect(sim.mode('zk4')).toBe('not-serving');
  });
});
