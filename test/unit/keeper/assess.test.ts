import { describe, expect, it } from 'vitest';
import type { CoordinationNode } from '../../../lib/config/index.js';
import type { Check } from '../../../lib/health/index.js';
import {
  assessCoordinationNode,
  assessEnsemble,
  probeCoordinationNode,
  type EnsembleMember,
  type NodeLimits,
} from '../../../lib/keeper/index.js';
import {
  DOWN,
  coordinationNode,
  fixedClock,
  fixture,
  keeperScripts,
  scriptedSend,
  zooKeeperScripts,
  type Script,
} from './support.js';

const thresholds: NodeLimits = {
  outstandingRequestsWarn: 10,
  avgLatencyWarnMs: 500,
  maxLatencyWarnMs: 2000,
  openFileDescriptorsWarnRatio: 0.8,
};

type Plan = [site: string, node: CoordinationNode, script: Script][];

const membersOf = (plan: Plan, { zxid = false } = {}): Promise<EnsembleMember[]> =>
  Promise.all(
    plan.map(async ([site, node, script]) => ({
      site,
      node,
      probe: await probeCoordinationNode(node, {
        timeoutMs: 1_000,
        clock: fixedClock(),
        send: scriptedSend(script),
        zxid,
      }),
    })),
  );

const keeperNodes = {
  k1: coordinationNode({ name: 'keeper-1', host: '10.0.1.21', serverId: 1 }),
  k2: coordinationNode({ name: 'keeper-2', host: '10.0.1.22', serverId: 2 }),
  k3: coordinationNode({ name: 'keeper-3', host: '10.0.1.23', serverId: 3 }),
  k4: coordinationNode({ name: 'keeper-4', host: '10.0.2.15', serverId: 4, role: 'observer' }),
};
const zkNodes = {
  z1: coordinationNode({ name: 'zk-1', kind: 'zookeeper', host: '10.0.1.31' }),
  z2: coordinationNode({ name: 'zk-2', kind: 'zookeeper', host: '10.0.1.32' }),
  z3: coordinationNode({ name: 'zk-3', kind: 'zookeeper', host: '10.0.1.33' }),
  z4: coordinationNode({ name: 'zk-4', kind: 'zookeeper', host: '10.0.2.31', role: 'observer' }),
};

/** The Keeper 3+1 layout: three voters on the primary, one learner on the standby. */
const keeperPlan = (overrides: Partial<Record<keyof typeof keeperNodes, Script>> = {}): Plan => [
  ['primary', keeperNodes.k1, overrides.k1 ?? keeperScripts.leader],
  ['primary', keeperNodes.k2, overrides.k2 ?? keeperScripts.follower],
  ['primary', keeperNodes.k3, overrides.k3 ?? keeperScripts.follower],
  ['standby', keeperNodes.k4, overrides.k4 ?? keeperScripts.learner],
];

const byKind = (checks: Check[]): Record<string, Check | undefined> =>
  Object.fromEntries(checks.map((check) => [check.subject, check]));

const withMntr = (script: Script, from: string, to: string): Script => ({
  ...script,
  mntr: script.mntr!.replace(from, to),
});

describe('assessEnsemble', () => {
  it('passes a healthy Keeper 3+1 ensemble: one leader, quorum, the learner observing and synced', async () => {
    const checks = assessEnsemble('primary', await membersOf(keeperPlan()), thresholds);

    const { leader, quorum, observers } = byKind(checks);
    expect(checks.map((check) => check.status)).toEqual(['ok', 'ok', 'ok']);
    expect(leader).toMatchObject({
      kind: 'coordination-ensemble',
      site: 'primary',
      summary: 'keeper-1 (site primary) is the only leader',
    });
    expect(quorum!.values).toMatchObject({
      leaders: ['keeper-1'],
      participantsUp: 3,
      participantsTotal: 3,
      observersUp: 1,
      syncedFollowers: 2,
      syncedObservers: 1,
      quorum: true,
    });
    expect(observers!.summary).toContain('keeper-4');
  });

  it('passes a healthy ZooKeeper 3+1 ensemble, counting the observer ZooKeeper names as such', async () => {
    const members = await membersOf([
      ['primary', zkNodes.z1, zooKeeperScripts.leader],
      ['primary', zkNodes.z2, zooKeeperScripts.follower],
      ['primary', zkNodes.z3, zooKeeperScripts.follower],
      ['standby', zkNodes.z4, zooKeeperScripts.observer],
    ]);

    const checks = assessEnsemble('primary', members, thresholds);

    expect(checks.map((check) => [check.subject, check.status])).toEqual([
      ['leader', 'ok'],
      ['quorum', 'ok'],
      ['observers', 'ok'],
    ]);
    expect(checks[0]!.values).toMatchObject({
      leaders: ['zk-1'],
      syncedFollowers: 2,
      syncedObservers: 1,
      observersUp: 1,
    });
  });

  it('warns that quorum holds with one participant down, naming it', async () => {
    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k3: DOWN })), thresholds);

    const { quorum, leader } = byKind(checks);
    expect(leader!.status).toBe('ok');
    expect(quorum).toMatchObject({
      status: 'warn',
      values: { participantsUp: 2, participantsTotal: 3, quorum: true },
    });
    expect(quorum!.summary).toBe(
      'quorum held, one participant down (keeper-3 unreachable (connection refused)): one more loss stops writes',
    );
  });

  it('is critical with two of three participants down: no quorum and no leader', async () => {
    const checks = assessEnsemble(
      'primary',
      await membersOf(keeperPlan({ k1: keeperScripts.notServing, k2: DOWN, k3: DOWN })),
      thresholds,
    );

    const { quorum, leader } = byKind(checks);
    expect(quorum).toMatchObject({ status: 'critical', values: { participantsUp: 0, quorum: false } });
    expect(quorum!.summary).toMatch(
      /^no quorum: 3 of 3 participants down \(keeper-1 not serving, keeper-2 unreachable/,
    );
    expect(leader).toMatchObject({ status: 'critical', values: { leaders: [] } });
    expect(leader!.summary).toMatch(/^no leader among 3 participants/);
  });

  it('is critical when only the leader is left, even though it still says leader', async () => {
    const lonelyLeader = withMntr(keeperScripts.leader, 'zk_synced_followers\t2', 'zk_synced_followers\t0');

    const checks = assessEnsemble(
      'primary',
      await membersOf(keeperPlan({ k1: lonelyLeader, k2: DOWN, k3: DOWN })),
      thresholds,
    );

    expect(byKind(checks).quorum).toMatchObject({
      status: 'critical',
      values: { participantsUp: 1, quorum: false },
    });
    expect(byKind(checks).quorum!.summary).toContain('2 of 3 participants down');
  });

  it('is critical when the leader reports too few synced followers though all participants answer', async () => {
    const lonelyLeader = withMntr(keeperScripts.leader, 'zk_synced_followers\t2', 'zk_synced_followers\t0');

    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k1: lonelyLeader })), thresholds);

    expect(byKind(checks).quorum).toMatchObject({
      status: 'critical',
      values: { participantsUp: 3, quorum: false },
    });
    expect(byKind(checks).quorum!.summary).toContain('leader keeper-1 reports 0 synced followers, needs 1');
  });

  it('warns when a follower answers but the leader does not count it as synced', async () => {
    const leader = withMntr(keeperScripts.leader, 'zk_synced_followers\t2', 'zk_synced_followers\t1');

    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k1: leader })), thresholds);

    expect(byKind(checks).quorum).toMatchObject({
      status: 'warn',
      values: { quorum: true, syncedFollowers: 1 },
    });
    expect(byKind(checks).quorum!.summary).toContain('a follower is lagging');
  });

  it('is critical with two leaders (split brain), naming both and their sites', async () => {
    const standbyLeader = { ...keeperScripts.leader };

    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k4: standbyLeader })), thresholds);

    const { leader } = byKind(checks);
    expect(leader).toMatchObject({ status: 'critical', values: { leaders: ['keeper-1', 'keeper-4'] } });
    expect(leader!.summary).toMatch(/^2 leaders \(keeper-1 at primary, keeper-4 at standby\): split brain/);
  });

  it('warns when the standby observer votes as a participant', async () => {
    const checks = assessEnsemble(
      'primary',
      await membersOf(keeperPlan({ k4: keeperScripts.follower })),
      thresholds,
    );

    const { observers, quorum } = byKind(checks);
    expect(observers).toMatchObject({ status: 'warn', values: { observersUp: 0, observersTotal: 1 } });
    expect(observers!.summary).toContain('keeper-4 follower instead of observing');
    expect(quorum!.status).toBe('ok');
  });

  it('warns when the standby observer is down, without touching quorum', async () => {
    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k4: DOWN })), thresholds);

    const { observers, quorum } = byKind(checks);
    expect(observers!.status).toBe('warn');
    expect(observers!.summary).toContain('keeper-4 unreachable (connection refused) instead of observing');
    expect(quorum!.status).toBe('ok');
  });

  it('warns when a ZooKeeper observer observes but nobody reports it synced', async () => {
    const leader = withMntr(zooKeeperScripts.leader, 'zk_synced_observers\t1', 'zk_synced_observers\t0');

    const checks = assessEnsemble(
      'primary',
      await membersOf([
        ['primary', zkNodes.z1, leader],
        ['primary', zkNodes.z2, zooKeeperScripts.follower],
        ['primary', zkNodes.z3, zooKeeperScripts.follower],
        ['standby', zkNodes.z4, zooKeeperScripts.observer],
      ]),
      thresholds,
    );

    expect(byKind(checks).observers).toMatchObject({
      status: 'warn',
      values: { syncedObservers: 0, observersUp: 1 },
    });
    expect(byKind(checks).observers!.summary).toContain('0 synced observers of 1 observing');
  });

  it('does not judge observer sync against a Keeper 25.8 leader that does not report it', async () => {
    const leader258 = { ...keeperScripts.leader, mntr: fixture('keeper/mntr-leader-25.8.txt') };

    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k1: leader258 })), thresholds);

    expect(byKind(checks).observers).toMatchObject({ status: 'ok', values: { syncedObservers: null } });
  });

  it('accepts a one-node Keeper, which reports standalone, as leader with quorum', async () => {
    const solo = coordinationNode({ name: 'keeper-solo' });
    const members = await membersOf([
      ['primary', solo, { ...keeperScripts.leader, mntr: fixture('keeper/mntr-standalone.txt') }],
    ]);

    const checks = assessEnsemble('primary', members, thresholds);

    expect(checks.map((check) => check.status)).toEqual(['ok', 'ok']);
    expect(checks[0]!.values).toMatchObject({ leaders: ['keeper-solo'], quorum: true });
  });

  it('returns no checks when the topology has no coordination nodes', () => {
    expect(assessEnsemble('primary', [], thresholds)).toEqual([]);
  });
});

describe('assessEnsemble when a node cannot be read', () => {
  const zkPlan = (z3: Script, z2: Script = zooKeeperScripts.follower): Plan => [
    ['primary', zkNodes.z1, zooKeeperScripts.leader],
    ['primary', zkNodes.z2, z2],
    ['primary', zkNodes.z3, z3],
    ['standby', zkNodes.z4, zooKeeperScripts.observer],
  ];

  it('says what is known when a participant refuses mntr and srvr: quorum held, no critical', async () => {
    const checks = assessEnsemble(
      'primary',
      await membersOf(zkPlan(zooKeeperScripts.restricted)),
      thresholds,
    );

    const { quorum, leader } = byKind(checks);
    expect(checks.filter((check) => check.status === 'critical')).toEqual([]);
    expect(leader!.status).toBe('ok');
    expect(quorum).toMatchObject({
      status: 'warn',
      values: { quorum: true, participantsUp: 2, participantsUnknown: 1, participantsTotal: 3 },
    });
    expect(quorum!.summary).toBe(
      'quorum held: 2 of 3 participants confirmed serving; zk-3 unreadable: allow mntr and srvr in 4lw.commands.whitelist',
    );
  });

  it('cannot tell (warn, quorum null) when too few participants are readable to decide', async () => {
    const members = await membersOf([
      ['primary', zkNodes.z1, zooKeeperScripts.restricted],
      ['primary', zkNodes.z2, zooKeeperScripts.follower],
      ['primary', zkNodes.z3, zooKeeperScripts.restricted],
    ]);

    const checks = assessEnsemble('primary', members, thresholds);

    const { quorum, leader } = byKind(checks);
    expect(quorum).toMatchObject({ status: 'warn', values: { quorum: null, participantsUnknown: 2 } });
    expect(quorum!.summary).toMatch(
      /^cannot tell whether the quorum holds: 1 of 3 participants confirmed serving; zk-1 unreadable/,
    );
    expect(leader!.status).toBe('warn');
  });

  it('still says no quorum when the readable participants alone prove it lost', async () => {
    const checks = assessEnsemble(
      'primary',
      await membersOf(
        zkPlan(zooKeeperScripts.restricted, DOWN).map(([site, node, script]) =>
          node.name === 'zk-1' ? [site, node, DOWN] : [site, node, script],
        ) as Plan,
      ),
      thresholds,
    );

    expect(byKind(checks).quorum).toMatchObject({ status: 'critical', values: { quorum: false } });
  });

  it('treats empty replies to every word (a TLS port probed in plain TCP) as unknown, hinting at tls', async () => {
    const silent: Script = {};
    const checks = assessEnsemble('primary', await membersOf(keeperPlan({ k3: silent })), thresholds);

    const { quorum } = byKind(checks);
    expect(quorum).toMatchObject({ status: 'warn', values: { quorum: true, participantsUnknown: 1 } });
    expect(quorum!.summary).toContain('set tls: true on the node');
  });
});

describe('assessEnsemble against the live roles', () => {
  const afterFailover = {
    voters: new Set(['keeper-4']),
    inactiveSites: new Set(['primary']),
  };
  const soloLeader = { ...keeperScripts.leader, mntr: fixture('keeper/mntr-standalone.txt') };

  it('accepts the promoted standby node as the only voter once the primary is lost: no critical', async () => {
    const members = await membersOf(keeperPlan({ k1: DOWN, k2: DOWN, k3: DOWN, k4: soloLeader }));

    const checks = assessEnsemble('standby', members, thresholds, afterFailover);
    const nodes = members.map((member) =>
      assessCoordinationNode(member.site, member.node, member.probe, thresholds, afterFailover),
    );

    expect([...checks, ...nodes].filter((check) => check.status !== 'ok')).toEqual([]);
    expect(byKind(checks).quorum!.values).toMatchObject({
      quorum: true,
      participantsUp: 1,
      participantsTotal: 1,
      leaders: ['keeper-4'],
    });
    expect(nodes[3]!.values).toMatchObject({ expectedRole: 'participant', inactive: false });
    expect(nodes[0]!.summary).toContain('as expected: site primary is fenced or lost');
  });

  it('judges the same ensemble by the topology without live roles: critical (the old behaviour)', async () => {
    const members = await membersOf(keeperPlan({ k1: DOWN, k2: DOWN, k3: DOWN, k4: soloLeader }));

    const checks = assessEnsemble('standby', members, thresholds);

    expect(byKind(checks).quorum!.status).toBe('critical');
  });

  it('calls a leader in the fenced site a split brain', async () => {
    const members = await membersOf(keeperPlan({ k2: DOWN, k3: DOWN, k4: soloLeader }));

    const checks = assessEnsemble('standby', members, thresholds, afterFailover);
    const oldLeader = assessCoordinationNode(
      'primary',
      keeperNodes.k1,
      members[0]!.probe,
      thresholds,
      afterFailover,
    );

    expect(byKind(checks).leader).toMatchObject({
      status: 'critical',
      values: { leaders: ['keeper-1', 'keeper-4'] },
    });
    expect(oldLeader).toMatchObject({ status: 'warn', values: { inactive: true } });
    expect(oldLeader.summary).toContain('stop it so it cannot form a second ensemble');
  });
});

describe('assessCoordinationNode', () => {
  // As `chdr status` sees them: with the zxid (srvr asked beside mntr).
  const assessOne = async (site: string, node: CoordinationNode, script: Script, zxid = true) => {
    const [member] = await membersOf([[site, node, script]], { zxid });
    return assessCoordinationNode(site, node, member!.probe, thresholds);
  };

  it('leaves the zxid out when only mntr was asked (the agent cycle)', async () => {
    const check = await assessOne('primary', zkNodes.z1, zooKeeperScripts.leader, false);

    expect(check).toMatchObject({ status: 'ok', values: { role: 'leader', zxid: null } });
    expect(check.summary).toBe(
      'zk-1 (10.0.1.31:2181) is leader as expected (participant): 0 outstanding, avg latency 0.5123 ms',
    );
  });

  it('passes a Keeper learner recognised through isro ro', async () => {
    const check = await assessOne('standby', keeperNodes.k4, keeperScripts.learner);

    expect(check).toMatchObject({
      kind: 'coordination-node',
      site: 'standby',
      subject: 'keeper-4',
      status: 'ok',
      values: {
        role: 'observer',
        expectedRole: 'observer',
        zxid: '0x2f4c1bb',
        outstanding: 0,
        avgLatencyMs: 0,
        znodeCount: 186734,
        aliveConnections: 2,
      },
    });
  });

  it('passes a healthy ZooKeeper leader with its float latency', async () => {
    const check = await assessOne('primary', zkNodes.z1, zooKeeperScripts.leader);

    expect(check).toMatchObject({
      status: 'ok',
      values: { role: 'leader', avgLatencyMs: 0.5123, zxid: '0x100000121' },
    });
    expect(check.summary).toBe(
      'zk-1 (10.0.1.31:2181) is leader as expected (participant): 0 outstanding, avg latency 0.5123 ms, zxid 0x100000121',
    );
  });

  it('warns about an unreachable node, saying how it failed (the ensemble decides criticality)', async () => {
    const check = await assessOne('primary', keeperNodes.k3, DOWN);

    expect(check).toMatchObject({
      status: 'warn',
      values: { role: 'unreachable', zxid: null, outstanding: null },
    });
    expect(check.summary).toBe(
      'keeper-3 (10.0.1.23:9181) is unreachable (connection refused) on every 4lw command: is Keeper running and its client port open?',
    );
  });

  it('warns about a node that answers imok but does not serve', async () => {
    const check = await assessOne('primary', zkNodes.z2, zooKeeperScripts.notServing);

    expect(check).toMatchObject({ status: 'warn', values: { role: 'not-serving' } });
    expect(check.summary).toContain('zk-2 (10.0.1.32:2181) answers but is not serving requests');
  });

  it('warns when a participant turns out to be an observer', async () => {
    const check = await assessOne('primary', keeperNodes.k3, keeperScripts.learner);

    expect(check).toMatchObject({
      status: 'warn',
      values: { role: 'observer', expectedRole: 'participant' },
    });
    expect(check.summary).toContain(
      'keeper-3 (10.0.1.23:9181) is an observer but a voting participant is expected',
    );
  });

  it('warns when the expected observer votes', async () => {
    const check = await assessOne('standby', zkNodes.z4, zooKeeperScripts.follower);

    expect(check).toMatchObject({ status: 'warn', values: { role: 'follower', expectedRole: 'observer' } });
    expect(check.summary).toContain('votes as follower but an observer is expected');
  });

  it('warns when a Keeper expected to observe says standalone and isro cannot confirm it', async () => {
    const check = await assessOne('standby', keeperNodes.k4, { ...keeperScripts.learner, isro: '' });

    expect(check).toMatchObject({ status: 'warn', values: { role: 'standalone' } });
    expect(check.summary).toContain('isro did not confirm a learner (NOT_ALLOWED)');
  });

  it('warns above the outstanding-requests and latency thresholds, listing both', async () => {
    const busy = withMntr(
      withMntr(keeperScripts.follower, 'zk_outstanding_requests\t0', 'zk_outstanding_requests\t42'),
      'zk_avg_latency\t0',
      'zk_avg_latency\t730',
    );

    const check = await assessOne('primary', keeperNodes.k2, busy);

    expect(check).toMatchObject({ status: 'warn', values: { outstanding: 42, avgLatencyMs: 730 } });
    expect(check.summary).toBe(
      'keeper-2 (10.0.1.22:9181) 42 outstanding requests (warn above 10); average latency 730 ms (warn above 500 ms)',
    );
  });

  it('does not warn at exactly the thresholds', async () => {
    const atLimit = withMntr(
      withMntr(keeperScripts.follower, 'zk_outstanding_requests\t0', 'zk_outstanding_requests\t10'),
      'zk_avg_latency\t0',
      'zk_avg_latency\t500',
    );

    expect((await assessOne('primary', keeperNodes.k2, atLimit)).status).toBe('ok');
  });

  it('warns when the node allows no 4lw that tells its state, saying which setting to change', async () => {
    const check = await assessOne('primary', keeperNodes.k2, { ruok: fixture('keeper/ruok.txt') });

    expect(check).toMatchObject({ status: 'warn', values: { role: 'unknown' } });
    expect(check.summary).toContain('four_letter_word_allow_list');
  });
});
