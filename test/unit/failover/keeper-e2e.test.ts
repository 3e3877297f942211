import { describe, expect, it } from 'vitest';
import { executeOperation, formatPlan, planOperation } from '../../../lib/failover/index.js';
import { parseKeeperServers } from '../../../lib/failover/keeper-config.js';
import { lostPrimarySim, type SimCluster } from './fake-cluster.js';

/** A node's `<raft_configuration>` as ids, learners marked L. */
const raft = (sim: SimCluster, node: string) =>
  parseKeeperServers(sim.files.get(`/sim/${node}/keeper.xml`)!).map(
    (s) => `${s.id}${s.canBecomeLeader ? '' : 'L'}`,
  );

/** The commands that change a node, named by what they do, in the order they ran. */
const changes = (commands: readonly string[]) =>
  commands.flatMap((command) => {
    const named: [RegExp, string][] = [
      [/^sim (stop|start|fence|unfence) (\S+)/, '$1 $2'],
      [/base64 -d > \/sim\/(\w+)\/keeper\.xml/, 'write $1'],
      [/mkdir -p "\$d".*\/sim\/(\w+)\/keeper\.xml/, 'wipe $1'],
      [/chdr-backup-.*cp -a.*\/sim\/(\w+)\/keeper\.xml/, 'backup $1'],
    ];
    for (const [pattern, name] of named) {
      const match = pattern.exec(command);
      if (match) return [match[0].replace(pattern, name)];
    }
    return [];
  });

const failover = { kind: 'failover', from: 'primary', to: 'standby', force: true } as const;

/** The old primary's hosts come back (the disaster is over), an hour later. */
const primaryBack = (sim: SimCluster) => {
  for (const name of ['kp1', 'kp2', 'kp3', 'ch1', 'ch2']) sim.running.add(name);
  sim.now += 3_600_000;
};

describe('a Keeper topology end to end on the simulated cluster', () => {
  it('fails over, recovers and fails back, each run succeeded, in the Keeper doc order', async () => {
    const sim = lostPrimarySim({ coordination: 'keeper' });

    const plan = formatPlan(await planOperation(sim.topology, failover, sim.deps()));
    expect(plan).toMatch(/WARNING: the new ensemble at standby has 1 voter/);
    const toStandby = await executeOperation(sim.topology, failover, sim.deps());
    expect(toStandby.result, toStandby.message).toBe('succeeded');
    expect(sim.mode('kp4')).toBe('leader');
    expect(raft(sim, 'kp4')).toEqual(['4']);
    expect(changes(sim.commands)).toEqual([
      ...['ch1', 'ch2', 'kp1', 'kp2', 'kp3'].map((n) => `fence ${n}`),
      'backup kp4',
      'write kp4',
      'stop ch3',
      'start ch3',
    ]);
    const recovered = toStandby.record.steps.find((s) => s.stepId === 'coordination-standby')!;
    expect(recovered.output).toMatch(/WARNING: the new ensemble at standby has 1 voter/);
    expect(recovered.output).toMatch(/picked kp4/);
    expect(sim.rows.get('ch3')).toBeGreaterThan(0);

    // Recover: the old primary's Keeper nodes are stopped and wiped before kp4's config lists them.
    primaryBack(sim);
    const before = sim.commands.length;
    const recover = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    );
    expect(recover.result, recover.message).toBe('succeeded');
    const recoverChanges = changes(sim.commands.slice(before)).filter((c) => /kp/.test(c));
    expect(recoverChanges).toEqual([
      ...['kp1', 'kp2', 'kp3'].map((n) => `unfence ${n}`),
      ...['kp1', 'kp2', 'kp3'].flatMap((n) => [`stop ${n}`, `wipe ${n}`]),
      'write kp4',
      ...['kp1', 'kp2', 'kp3'].flatMap((n) => [`write ${n}`, `start ${n}`]),
    ]);
    expect(['kp1', 'kp2', 'kp3'].map((n) => sim.mode(n))).toEqual(['observer', 'observer', 'observer']);
    expect(raft(sim, 'kp4')).toEqual(['1L', '2L', '3L', '4']);
    expect(sim.keeper!.hazards).toEqual([]);

    // Failback: the primary's nodes (learners synced to kp4's log) form the cluster again.
    sim.now += 3_600_000;
    const failbackFrom = sim.commands.length;
    const failback = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );
    expect(failback.result, failback.message).toBe('succeeded');
    expect(['kp1', 'kp2', 'kp3'].map((n) => sim.mode(n))).toEqual(['leader', 'follower', 'follower']);
    expect(sim.mode('kp4')).toBe('observer');
    expect(raft(sim, 'kp1')).toEqual(['1', '2', '3', '4L']);
    expect(sim.keeper!.hazards).toEqual([]);
    const back = changes(sim.commands.slice(failbackFrom)).filter((c) => /kp/.test(c));
    const at = (change: string) => back.indexOf(change);
    expect(at('stop kp4')).toBeGreaterThanOrEqual(0);
    expect(at('stop kp4')).toBeLessThan(at('backup kp1'));
    // kp4 rejoins as a learner only after it was stopped and wiped.
    expect(at('wipe kp4')).toBeGreaterThan(at('stop kp4'));
    expect(back.lastIndexOf('write kp1')).toBeGreaterThan(at('wipe kp4'));
  });

  it('with two spares the recovered cluster has three voters, led by the node with the newest log', async () => {
    const sim = lostPrimarySim({ coordination: 'keeper', spares: 2 });

    const plan = formatPlan(await planOperation(sim.topology, failover, sim.deps()));
    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(plan).not.toMatch(/WARNING: the new ensemble/);
    expect(report.result, report.message).toBe('succeeded');
    for (const node of ['kp4', 'kp5', 'kp6']) expect(raft(sim, node)).toEqual(['4', '5', '6']);
    expect(['kp4', 'kp5', 'kp6'].map((n) => sim.mode(n))).toEqual(['leader', 'follower', 'follower']);
    const step = report.record.steps.find((s) => s.stepId === 'coordination-standby')!;
    expect(step.output).toMatch(/picked kp4/);
    // The spares are never candidates: they answer nothing before, and hold no log of the cluster.
    expect(step.output).not.toMatch(/kp5 \(/);
  });

  it('with two spares, recover lists the learners in every voter and failback stops the spares again', async () => {
    const sim = lostPrimarySim({ coordination: 'keeper', spares: 2 });
    expect((await executeOperation(sim.topology, failover, sim.deps())).result).toBe('succeeded');
    primaryBack(sim);

    const recover = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    );
    expect(recover.result, recover.message).toBe('succeeded');
    for (const node of ['kp4', 'kp5', 'kp6'])
      expect(raft(sim, node)).toEqual(['1L', '2L', '3L', '4', '5', '6']);
    expect(['kp1', 'kp2', 'kp3'].map((n) => sim.mode(n))).toEqual(['observer', 'observer', 'observer']);

    sim.now += 3_600_000;
    const failback = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );
    expect(failback.result, failback.message).toBe('succeeded');
    expect(['kp1', 'kp2', 'kp3'].map((n) => sim.mode(n))).toEqual(['leader', 'follower', 'follower']);
    expect(sim.mode('kp4')).toBe('observer');
    expect(['kp5', 'kp6'].map((n) => sim.mode(n))).toEqual(['unreachable', 'unreachable']);
    expect(sim.keeper!.hazards).toEqual([]);
  });

  it('rolls a failed recovery back: kp4 as it was, the spares stopped with their own config', async () => {
    const sim = lostPrimarySim({ coordination: 'keeper', spares: 2 });
    const before = { kp4: sim.files.get('/sim/kp4/keeper.xml'), kp5: sim.files.get('/sim/kp5/keeper.xml') };
    sim.failOn = /^sim start kp6$/;

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result, report.message).toBe('rolled-back');
    expect(sim.files.get('/sim/kp4/keeper.xml')).toBe(before.kp4);
    expect(sim.files.get('/sim/kp5/keeper.xml')).toBe(before.kp5);
    expect(['kp5', 'kp6'].map((n) => sim.mode(n))).toEqual(['unreachable', 'unreachable']);
    expect(sim.running.has('kp4')).toBe(true);
    expect(sim.commands.filter((c) => c.includes('chdr-epoch-')).length).toBeGreaterThan(0);
  });

  it('refuses, changing nothing, while the learner to promote cannot be read (spares do not count)', async () => {
    const sim = lostPrimarySim({ coordination: 'keeper', spares: 2 });
    sim.running.delete('kp4');
    const files = sim.snapshotFiles();

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).not.toBe('succeeded');
    expect(report.message).toMatch(
      /refused \(nothing changed\): no coordination node at standby answers \(kp4=unreachable\)/,
    );
    expect(sim.snapshotFiles()).toEqual(files);
  });
});
