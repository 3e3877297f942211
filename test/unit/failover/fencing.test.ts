import { describe, expect, it } from 'vitest';
import { executeOperation, type OperationRequest } from '../../../lib/failover/index.js';
import { handleFailoverEvent } from '../../../lib/failover/lambda.js';
import type { FenceTarget, InstanceFencer } from '../../../lib/fence/index.js';
import { readRoles, writeVerdict } from '../../../lib/roles/index.js';
import { SimCluster } from './fake-cluster.js';

/** Issue 11 on the simulated cluster: fencing in forced failover, the named overrides, the honest gates. */

const failover: OperationRequest = {
  kind: 'failover',
  from: 'primary',
  to: 'standby',
  startedBy: 'sre@test',
};

const lostPrimary = () => {
  const sim = new SimCluster();
  sim.stopSite('primary');
  return sim;
};

/** An instance fencer that records what it was asked and confirms (or not) every host. */
const recordingFencer = (confirm: boolean) => {
  const asked: FenceTarget[] = [];
  const fencer: InstanceFencer = {
    kind: 'ec2',
    fence: async (targets) => {
      asked.push(...targets);
      return targets.map((t) =>
        confirm
          ? { node: t.name, confirmed: true as const, detail: `EC2 ${t.instanceId ?? '?'} stopped` }
          : { node: t.name, confirmed: false as const, reason: 'EC2 API unreachable' },
      );
    },
  };
  return { fencer, asked };
};

const seconds = (sim: SimCluster) => Math.floor(sim.now / 1000);

describe('fencing in a forced failover', () => {
  it('fences the lost primary through the executor and records the fence in the roles', async () => {
    const sim = lostPrimary();

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result, report.message).toBe('succeeded');
    expect([...sim.fenced.keys()].sort()).toEqual(['ch1', 'ch2', 'zk1', 'zk2', 'zk3']);
    const roles = await readRoles(sim.store, sim.topology);
    expect(roles.fenced).toEqual([
      expect.objectContaining({
        site: 'primary',
        method: 'stopped-and-disabled',
        runId: report.runId,
        by: 'sre@test',
        nodes: ['ch1', 'ch2', 'zk1', 'zk2', 'zk3'],
      }),
    ]);
    const steps = report.record.steps.map((s) => s.stepId);
    expect(steps.indexOf('fence-primary')).toBeLessThan(steps.indexOf('coordination-standby'));
  });

  it('stops the hosts the executor cannot reach through the instance fencer', async () => {
    const sim = lostPrimary();
    sim.failOn = /^sim fence (zk1|ch1) /;
    const { fencer, asked } = recordingFencer(true);

    const report = await executeOperation(sim.topology, failover, sim.deps({ fencer }));

    expect(report.result, report.message).toBe('succeeded');
    expect(asked.map((t) => t.name).sort()).toEqual(['ch1', 'zk1']);
    expect(asked.every((t) => t.region === 'us-east-1')).toBe(true);
    expect((await readRoles(sim.store, sim.topology)).fenced[0]?.method).toBe('instance-stopped');
  });

  it('refuses when no fence is confirmed, changing nothing at the target, until the operator says what was done', async () => {
    const sim = lostPrimary();
    sim.failOn = /^sim fence /;
    const { fencer } = recordingFencer(false);

    const refused = await executeOperation(sim.topology, failover, sim.deps({ fencer }));

    // The hosts that were reached are unfenced again by the rollback: nothing changed, the run can be retried.
    expect(refused.result).toBe('rolled-back');
    expect(refused.message).toMatch(/primary could not be fenced: .*zk1: NOT confirmed/);
    expect(refused.message).toContain('--fence-unconfirmed');
    expect(sim.mode('zk4')).not.toBe('leader');

    const words = 'powered off the primary racks from the DC console (ticket 4711)';
    const acknowledged = await executeOperation(
      sim.topology,
      { ...failover, fenceUnconfirmed: words },
      sim.deps({ fencer }),
    );

    expect(acknowledged.result, acknowledged.message).toBe('succeeded');
    const fence = (await readRoles(sim.store, sim.topology)).fenced[0];
    expect(fence).toMatchObject({ method: 'acknowledged', note: words, by: 'sre@test' });
    const output = acknowledged.record.steps.find((s) => s.stepId === 'fence-primary')!.output;
    expect(output).toContain(`overridden with --fence-unconfirmed by sre@test ("${words}")`);
  });

  it('refuses while the old ensemble has a leader, whatever override is given', async () => {
    const sim = new SimCluster();
    sim.stopSite('primary');
    for (const name of ['zk1', 'zk2', 'zk3']) sim.running.add(name);

    const report = await executeOperation(
      sim.topology,
      {
        ...failover,
        acceptDataLoss: true,
        fenceUnconfirmed: 'x',
        confirmRegionLost: 'y',
        acceptRunningInserts: true,
      },
      sim.deps(),
    );

    expect(report.result).toBe('refused');
    expect(report.message).toMatch(/primary's ensemble still has a leader \(zk3\).*\(no override\)/);
    expect(sim.fenced.size).toBe(0);
  });

  it('lifts the boot guard of the old site when it is recovered', async () => {
    const sim = lostPrimary();
    expect((await executeOperation(sim.topology, failover, sim.deps())).result).toBe('succeeded');

    const recovered = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    );

    expect(recovered.result, recovered.message).toBe('succeeded');
    expect(sim.fenced.size).toBe(0);
    expect((await readRoles(sim.store, sim.topology)).fenced).toEqual([]);
    expect(recovered.record.steps.map((s) => s.stepId)).toContain('unfence-primary');
  });
});

describe('the data-loss gate', () => {
  it('refuses a standby that never fetched parts spanning more than maxLagSeconds, naming tables and parts', async () => {
    const sim = lostPrimary();
    // The primary's last heartbeat reached the standby 3 s before the crash; parts since 400 s before it did not.
    const t = seconds(sim) - 403;
    sim.pendingFetches = [{ database: 'default', table: 'orders', parts: 7, oldest: t, newest: t + 390 }];

    const refused = await executeOperation(sim.topology, failover, sim.deps());

    expect(refused.result).toBe('refused');
    expect(refused.message).toMatch(
      /standby is estimated to miss 400 s of primary's writes, more than failover.maxLagSeconds \(300 s\): default.orders: 7 parts/,
    );
    expect(refused.message).toContain('(--accept-data-loss overrides)');
    expect(sim.fenced.size).toBe(0);

    const accepted = await executeOperation(sim.topology, { ...failover, acceptDataLoss: true }, sim.deps());

    expect(accepted.result, accepted.message).toBe('succeeded');
    expect(accepted.record.rpoSeconds).toBe(400);
    expect(accepted.record.facts.overrides).toEqual([
      expect.objectContaining({ override: 'acceptDataLoss', by: 'sre@test' }),
    ]);
  });

  it('counts the rows behind at the source when its replicas still answer (a partial outage)', async () => {
    const sim = lostPrimary();
    sim.running.add('ch1');
    const t = seconds(sim) - 603;
    sim.pendingFetches = [
      {
        database: 'default',
        table: 'orders',
        parts: 2,
        oldest: t,
        newest: t + 1,
        names: ['all_1_1_0', 'all_2_2_0'],
      },
    ];
    sim.partRows.set('default.orders', 150);

    const refused = await executeOperation(sim.topology, failover, sim.deps());

    expect(refused.result).toBe('refused');
    expect(refused.message).toContain('default.orders: 2 parts (150 rows)');
  });

  it('is not refused for the time since the crash: a day later the estimate is what was missing at the silence', async () => {
    const sim = lostPrimary();
    const t = seconds(sim) - 3;
    sim.pendingFetches = [{ database: 'default', table: 'orders', parts: 1, oldest: t - 2, newest: t }];
    sim.now += 24 * 3600 * 1000;

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result, report.message).toBe('succeeded');
    expect(report.record.rpoSeconds).toBe(2);
  });

  it("counts the lag the standby's agent measured before the heartbeat stopped", async () => {
    const sim = lostPrimary();
    await writeVerdict(sim.store, {
      cluster: sim.topology.cluster,
      site: 'standby',
      at: new Date(sim.now - 3_600_000).toISOString(),
      writable: true,
      heartbeatWrittenAt: new Date(sim.now - 3_600_000).toISOString(),
      lagSeconds: { primary: 420 },
    });

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('refused');
    expect(report.message).toMatch(/estimated to miss 420 s .*standby's agent last measured 420 s of lag/);
  });

  it('reports a failed read as failed, and refuses to guess', async () => {
    const sim = lostPrimary();
    const connect = sim.connect;
    const failing = sim.deps({
      connect: (replica) => {
        const connection = connect(replica);
        return {
          ...connection,
          queryRows: async <T>(sql: string) => {
            if (sql.includes('replication_queue')) throw new Error('Timeout exceeded: elapsed 3.0 s');
            return connection.queryRows<T>(sql, { timeoutMs: 1 });
          },
        };
      },
    });

    const report = await executeOperation(sim.topology, failover, failing);

    expect(report.result).toBe('refused');
    expect(report.message).toContain('the data loss cannot be estimated');
    expect(report.message).toContain('ch3: system.replication_queue read failed: ch3: Timeout exceeded');
    expect(report.message).not.toMatch(/never seen/);
  });
});

describe('partition evidence', () => {
  const verdictOfPrimary = (sim: SimCluster, agoSeconds: number) =>
    writeVerdict(sim.store, {
      cluster: sim.topology.cluster,
      site: 'primary',
      at: new Date(sim.now - agoSeconds * 1000).toISOString(),
      writable: true,
      heartbeatWrittenAt: new Date(sim.now - agoSeconds * 1000).toISOString(),
      lagSeconds: {},
    });

  it("refuses when the primary's agent wrote its heartbeat within the last cycles, until the loss is confirmed", async () => {
    const sim = lostPrimary();
    await verdictOfPrimary(sim, 30);

    const refused = await executeOperation(sim.topology, failover, sim.deps());

    expect(refused.result).toBe('refused');
    expect(refused.message).toMatch(
      /looks like a partition between the regions, not a lost region: primary agent wrote its heartbeat at \S+, 30 s ago .*\(--confirm-region-lost "<evidence>" overrides\)/,
    );

    const confirmed = await executeOperation(
      sim.topology,
      { ...failover, confirmRegionLost: 'AWS Health: us-east-1 outage; our VPN to it is down too' },
      sim.deps(),
    );
    expect(confirmed.result, confirmed.message).toBe('succeeded');
  });

  it('does not count a verdict older than a few agent cycles', async () => {
    const sim = lostPrimary();
    await verdictOfPrimary(sim, 3_600);

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result, report.message).toBe('succeeded');
  });
});

describe('the failover function event', () => {
  it('takes the named overrides and rejects the old --force', async () => {
    const sim = lostPrimary();
    const deps = { topology: sim.topology, failover: sim.deps(), startedBy: 'arn:aws:iam::1:user/sre' };

    await expect(
      handleFailoverEvent({ action: 'failover', from: 'primary', to: 'standby', force: true }, deps),
    ).rejects.toThrow(/force/);
    const executed = await handleFailoverEvent(
      {
        action: 'failover',
        from: 'primary',
        to: 'standby',
        confirm: 'FAILOVER primary->standby',
        fenceUnconfirmed: 'not needed',
        acceptDataLoss: true,
      },
      deps,
    );
    expect(executed).toMatchObject({ mode: 'executed', result: 'succeeded' });
  });
});
