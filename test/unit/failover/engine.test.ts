import { describe, expect, it } from 'vitest';
import {
  FAILOVER_ERROR_CODES,
  executeOperation,
  formatPlan,
  handleFailoverEvent,
  listRuns,
  planOperation,
  readOpenRun,
  type FailoverEvent,
} from '../../../lib/failover/index.js';
import { SimCluster, simFailoverSection } from './fake-cluster.js';

const failover = { kind: 'failover', from: 'primary', to: 'standby' } as const;

const lostPrimary = (options?: ConstructorParameters<typeof SimCluster>[0]) => {
  const sim = new SimCluster(options);
  sim.stopSite('primary');
  return sim;
};

describe('executeOperation (failover on a simulated cluster)', () => {
  it('makes the standby observer the leader of a new ensemble, repoints its replica and verifies a write', async () => {
    const sim = lostPrimary();
    // Not the fake's default: the RPO must be the heartbeat age the replicas report.
    sim.heartbeatAgeSeconds = 17;
    const notices: FailoverEvent[] = [];

    const report = await executeOperation(
      sim.topology,
      failover,
      sim.deps({ notifier: { notify: async (e) => void notices.push(e) } }),
    );

    expect(report.result).toBe('succeeded');
    expect(report.record.steps.map((s) => `${s.stepId}:${s.state}`)).toEqual([
      'preflight:verified',
      'fence-primary:verified',
      'coordination-standby:verified',
      'repoint-standby:verified',
      'verify-standby:verified',
    ]);
    expect(sim.mode('zk4')).toBe('leader');
    expect(sim.replicaReadonly('ch3')).toBe(false);
    expect(sim.rows.get('ch3')).toBe(1);
    // Nothing pending at the standby and no agent lag: the estimate is what the standby shows, zero.
    expect(report.record.rpoSeconds).toBe(0);
    expect([...sim.fenced.keys()].sort()).toEqual(['ch1', 'ch2', 'zk1', 'zk2', 'zk3']);
    expect(report.record.rtoSeconds).toBeGreaterThan(0);
    expect(notices.map((n) => n.kind)).toEqual(['started', 'finished']);
    expect(await readOpenRun(sim.store)).toBeUndefined();
    expect(await sim.store.get('failover#lock')).toBeUndefined();
  });

  it('refuses, changing nothing, while the source ensemble still has a leader', async () => {
    const sim = new SimCluster();
    const before = sim.snapshotFiles();

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('refused');
    expect(report.message).toMatch(/primary's ensemble still has a leader \(zk3\)/);
    expect(sim.snapshotFiles()).toEqual(before);
    expect(sim.commands.filter((c) => c.startsWith('sim'))).toEqual([]);
  });

  it('notifies a refusal by the preflight once, naming it: no start or failed-step notice for a run that changed nothing', async () => {
    const sim = new SimCluster();
    const notices: FailoverEvent[] = [];

    const report = await executeOperation(
      sim.topology,
      failover,
      sim.deps({ notifier: { notify: async (e) => void notices.push(e) } }),
    );

    expect(report.record.steps.map((s) => `${s.stepId}:${s.state}`)).toEqual(['preflight:failed']);
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'finished', result: 'refused', summary: report.message }),
    ]);
    expect(notices[0]!.summary).toMatch(/primary's ensemble still has a leader \(zk3\)/);
  });

  it('changes nothing when run again after it finished', async () => {
    const sim = lostPrimary();
    await executeOperation(sim.topology, failover, sim.deps());
    const files = sim.snapshotFiles();
    const commands = sim.commands.length;

    const again = await executeOperation(sim.topology, failover, sim.deps());

    expect(again.result).toBe('already-done');
    expect(sim.snapshotFiles()).toEqual(files);
    expect(
      sim.commands.slice(commands).filter((c) => !c.startsWith('cat ') && !c.startsWith('stat ')),
    ).toEqual([]);
  });

  it('resumes after the last verified step when the previous run was interrupted', async () => {
    const sim = lostPrimary();
    const first = await executeOperation(
      sim.topology,
      failover,
      sim.deps({
        beforeStep: (id) => {
          if (id === 'repoint-standby') throw new Error('killed');
        },
      }),
    );
    expect(first.result).toBe('failed');
    expect(first.message).toMatch(/run the same command again to resume/);

    const second = await executeOperation(sim.topology, failover, sim.deps());

    expect(second.runId).toBe(first.runId);
    expect(second.record.attempts).toBe(2);
    expect(second.result).toBe('succeeded');
    expect(second.record.steps.filter((s) => s.stepId === 'coordination-standby')).toHaveLength(1);
  });

  it('stops between steps when aborted, leaving the run open for a resume', async () => {
    const sim = lostPrimary();
    const controller = new AbortController();

    const report = await executeOperation(
      sim.topology,
      failover,
      sim.deps({
        signal: controller.signal,
        beforeStep: (id) => void (id === 'coordination-standby' && controller.abort()),
      }),
    );

    expect(report.result).toBe('failed');
    expect(await readOpenRun(sim.store)).toMatchObject({ runId: report.runId, kind: 'failover' });
  });

  it('refuses a second run while another holds the lock, naming the holder and since when', async () => {
    const sim = lostPrimary();
    await sim.store.put('failover#lock', {
      holder: 'alice@ops-box pid 4242',
      host: 'ops-box',
      pid: 4242,
      runId: 'r1',
      operation: 'failover primary->standby',
      since: '2026-05-23T10:00:00.000Z',
    });

    const refused = await executeOperation(sim.topology, failover, sim.deps()).catch((e: unknown) => e);

    expect(refused).toMatchObject({ code: FAILOVER_ERROR_CODES.locked });
    expect((refused as Error).message).toMatch(
      /alice@ops-box pid 4242 since 2026-05-23T10:00:00.000Z \(run r1, failover primary->standby\)/,
    );
  });

  it('refuses another operation while one is unfinished, unless forced', async () => {
    const sim = lostPrimary();
    await executeOperation(
      sim.topology,
      failover,
      sim.deps({ beforeStep: () => Promise.reject(new Error('crash')) }),
    );

    const other = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    ).catch((e: unknown) => e);

    expect(other).toMatchObject({ code: FAILOVER_ERROR_CODES.openRun });
    expect((other as Error).message).toMatch(
      /resume it with `chdr failover --from primary --to standby --execute`/,
    );
  });
});

describe('rollback before the point of no return', () => {
  const cases = [
    { step: 'coordination-standby', fault: (sim: SimCluster) => (sim.failOn = /^sim start zk4$/) },
  ];
  for (const { step, fault } of cases) {
    it(`puts the cluster back as it was when ${step} fails (files byte-identical, same roles)`, async () => {
      const sim = lostPrimary();
      const files = sim.snapshotFiles();
      const roles = ['zk4'].map((n) => sim.mode(n));
      const readonly = sim.replicaReadonly('ch3');
      fault(sim);
      let injectedOnce = false;
      const original = sim.failOn;
      // The fault hits the step once; the rollback's own commands succeed.
      const deps = sim.deps({
        beforeStep: (id) => {
          if (id !== step && injectedOnce) sim.failOn = undefined;
          if (id === step) injectedOnce = true;
        },
      });
      sim.failOn = original;

      const report = await executeOperation(sim.topology, failover, {
        ...deps,
        executor: {
          kind: 'sim',
          run: async (command) => {
            const result = await sim.executor.run(command);
            if (result.exitCode !== 0 && injectedOnce) sim.failOn = undefined;
            return result;
          },
        },
      });

      expect(report.result, report.message).toBe('rolled-back');
      expect(report.message).toMatch(/the cluster is as it was/);
      expect(sim.snapshotFiles()).toEqual(files);
      expect(['zk4'].map((n) => sim.mode(n))).toEqual(roles);
      expect(sim.replicaReadonly('ch3')).toBe(readonly);
      expect(sim.running.has('zk4') && sim.running.has('ch3')).toBe(true);
      expect(await readOpenRun(sim.store)).toBeUndefined();
      const states = report.record.steps.map((s) => `${s.stepId}:${s.state}`);
      expect(states).toContain(`${step}:rolled-back`);
    });
  }

  it('reports a failing post-hook without failing the run', async () => {
    const sim = lostPrimary({ failoverExtra: '  hooks:\n    post:\n      - { command: notify-apps }\n' });
    sim.failOn = /notify-apps/;

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('succeeded');
    expect(report.record.steps.find((s) => s.stepId === 'post-hooks')).toMatchObject({
      state: 'failed',
      error: { code: 'FAILOVER_HOOK_FAILED' },
    });
  });
});

describe('after the point of no return', () => {
  const cases = [
    { step: 'repoint-standby', fault: (sim: SimCluster) => (sim.failOn = /^sim start ch3$/) },
    { step: 'verify-standby', fault: (sim: SimCluster) => (sim.failInserts = true) },
  ];
  for (const { step, fault } of cases) {
    it(`keeps the new ensemble and the run open when ${step} fails, and the same command finishes it`, async () => {
      const sim = lostPrimary();
      fault(sim);

      const stopped = await executeOperation(sim.topology, failover, sim.deps());

      expect(stopped.result, stopped.message).toBe('failed');
      expect(stopped.message).toMatch(
        new RegExp(`${step} failed after the point of no return \\(repoint-standby\\)`),
      );
      expect(stopped.record.steps.map((s) => s.state)).not.toContain('rolled-back');
      expect(sim.mode('zk4')).toBe('leader');
      expect(await readOpenRun(sim.store)).toMatchObject({ runId: stopped.runId });

      sim.failOn = undefined;
      sim.failInserts = false;
      const resumed = await executeOperation(sim.topology, failover, sim.deps());

      expect(resumed.result, resumed.message).toBe('succeeded');
      expect(resumed.runId).toBe(stopped.runId);
      expect(sim.replicaReadonly('ch3')).toBe(false);
    });
  }

  it('stops with a clear message and no rollback, and the same command resumes', async () => {
    const sim = lostPrimary();
    await executeOperation(sim.topology, failover, sim.deps());
    await executeOperation(sim.topology, { kind: 'recover', from: 'primary', to: 'standby' }, sim.deps());
    sim.failOn = /^sim start zk4$/;
    const failback = { kind: 'failback', from: 'standby', to: 'primary' } as const;

    const stopped = await executeOperation(sim.topology, failback, sim.deps());

    expect(stopped.result).toBe('failed');
    expect(stopped.message).toMatch(
      /observers-standby failed after the point of no return \(repoint-primary\).*resume, or recover and fail back/,
    );
    expect(sim.mode('zk3')).toBe('leader');
    expect(await readOpenRun(sim.store)).toMatchObject({ runId: stopped.runId });

    sim.failOn = undefined;
    const resumed = await executeOperation(sim.topology, failback, sim.deps());

    expect(resumed.result).toBe('succeeded');
    expect(resumed.runId).toBe(stopped.runId);
    expect(sim.mode('zk4')).toBe('observer');
  });
});

describe('catching up after a rejoin', () => {
  const recover = { kind: 'recover', from: 'primary', to: 'standby' } as const;

  it('waits until the rejoined replicas have started replication: a queue never loaded is not an empty one', async () => {
    const sim = lostPrimary();
    await executeOperation(sim.topology, failover, sim.deps());
    // Within the step's 5 s: the replicas' old sessions expire 3 s after their start.
    sim.replicationStartDelayMs = 3_000;

    const report = await executeOperation(sim.topology, recover, sim.deps());

    expect(report.result, report.message).toBe('succeeded');
    const caughtUp = report.record.steps.find((s) => s.stepId === 'catch-up-primary')!;
    for (const replica of ['ch1', 'ch2'])
      expect(Date.parse(caughtUp.endedAt!)).toBeGreaterThanOrEqual(sim.startedAt.get(replica)! + 3_000);
  });

  it('fails naming the replica whose replication never starts', async () => {
    const sim = lostPrimary();
    await executeOperation(sim.topology, failover, sim.deps());
    sim.replicationStartDelayMs = 24 * 3_600_000;

    const report = await executeOperation(sim.topology, recover, sim.deps());

    expect(report.result).toBe('rolled-back');
    expect(report.message).toMatch(
      /ch1: default\.heart_beat .*replication not started \(queue never loaded\)/,
    );
  });
});

describe('guard rails', () => {
  it('refuses inside the anti-flapping block period, naming the previous run, unless acknowledged', async () => {
    const sim = lostPrimary({
      failoverSection: simFailoverSection.replace('blockPeriodMinutes: 0', 'blockPeriodMinutes: 60'),
    });
    const first = await executeOperation(sim.topology, failover, sim.deps());
    expect(first.result).toBe('succeeded');
    // The old primary recovered, so that a failback could succeed once the block period is acknowledged.
    const recovered = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby', ackRecent: true },
      sim.deps(),
    );
    expect(recovered.result, recovered.message).toBe('succeeded');

    const blocked = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );

    expect(blocked.result).toBe('refused');
    expect(blocked.message).toContain(`run ${first.runId} (failover primary->standby) finished at`);
    expect(blocked.message).toMatch(/block period \(60 min\) ends at .*--ack-recent/);
    const acknowledged = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary', ackRecent: true },
      sim.deps(),
    );
    expect(acknowledged.message).not.toMatch(/block period/);
    // Acknowledged, the failback ran to the end.
    expect(acknowledged.result, acknowledged.message).toBe('succeeded');
    expect(acknowledged.runId).not.toBe(first.runId);
  });

  it('refuses with nothing changed when --expect-primary names a site that is not the observed primary', async () => {
    const sim = lostPrimary();
    const before = sim.snapshotFiles();

    const report = await executeOperation(
      sim.topology,
      { ...failover, expectPrimary: 'standby' },
      sim.deps(),
    );

    expect(report.result).toBe('refused');
    expect(report.message).toMatch(/--expect-primary standby, but the observed primary is none/);
    expect(sim.snapshotFiles()).toEqual(before);
  });

  it('aborts before any change when a pre-hook fails', async () => {
    const sim = lostPrimary({
      failoverExtra: '  hooks:\n    pre:\n      - { command: fence-primary, site: primary }\n',
    });
    sim.failOn = /fence-primary/;
    const before = sim.snapshotFiles();

    const report = await executeOperation(sim.topology, failover, sim.deps());

    expect(report.result).toBe('failed');
    expect(report.message).toMatch(/pre-hook command fence-primary failed \(nothing changed\)/);
    expect(sim.snapshotFiles()).toEqual(before);
    expect(await readOpenRun(sim.store)).toBeUndefined();
  });
});

describe('recover and failback on a simulated cluster', () => {
  it('recovers the old primary as observers and fails back, ending with the original roles', async () => {
    const sim = lostPrimary();
    expect((await executeOperation(sim.topology, failover, sim.deps())).result).toBe('succeeded');
    for (const name of ['zk1', 'zk2', 'zk3', 'ch1', 'ch2']) sim.running.add(name);
    // Restarted with their old files the primary nodes would form their old ensemble: recovery rewrites them first.
    for (const name of ['zk1', 'zk2', 'zk3', 'ch1', 'ch2']) sim.running.delete(name);

    const recovered = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps(),
    );
    expect(recovered.result, recovered.message).toBe('succeeded');
    expect(['zk1', 'zk2', 'zk3'].map((n) => sim.mode(n))).toEqual(['observer', 'observer', 'observer']);

    const back = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );
    expect(back.result, back.message).toBe('succeeded');
    expect(['zk1', 'zk2', 'zk3', 'zk4'].map((n) => sim.mode(n))).toEqual([
      'follower',
      'follower',
      'leader',
      'observer',
    ]);
    expect(['ch1', 'ch2', 'ch3'].map((n) => sim.replicaReadonly(n))).toEqual([false, false, false]);

    const again = await executeOperation(
      sim.topology,
      { kind: 'failback', from: 'standby', to: 'primary' },
      sim.deps(),
    );
    expect(again.result).toBe('already-done');
    expect((await listRuns(sim.store)).map((r) => `${r.kind}:${r.result}`)).toEqual([
      'failover:succeeded',
      'recover:succeeded',
      'failback:succeeded',
      'failback:already-done',
    ]);
  });
});

describe('plan and the Lambda event', () => {
  it('renders every step with its exact commands and changes nothing', async () => {
    const sim = lostPrimary();
    const before = sim.snapshotFiles();

    const plan = await planOperation(sim.topology, failover, sim.deps());
    const text = formatPlan(plan);

    expect(plan.steps.map((s) => s.id)).toEqual([
      'preflight',
      'fence-primary',
      'coordination-standby',
      'repoint-standby',
      'verify-standby',
    ]);
    expect(text).toContain('sim stop zk4');
    expect(text).toContain('server.4=127.0.0.1:22884:23884:participant');
    expect(text).toContain("INSERT INTO default.heart_beat (site_id, updated_at) VALUES ('standby', now())");
    expect(text).toContain('confirm: "FAILOVER primary->standby"');
    expect(sim.snapshotFiles()).toEqual(before);
  });

  it('only plans unless the event carries the exact confirmation string', async () => {
    const sim = lostPrimary();

    const planned = await handleFailoverEvent(
      { action: 'failover', from: 'primary', to: 'standby', confirm: 'yes' },
      { topology: sim.topology, failover: sim.deps() },
    );
    expect(planned).toMatchObject({
      mode: 'plan',
      message: expect.stringContaining('does not match "FAILOVER primary->standby"'),
    });
    expect(sim.mode('zk4')).toBe('not-serving');

    const executed = await handleFailoverEvent(
      { action: 'failover', from: 'primary', to: 'standby', confirm: 'FAILOVER primary->standby' },
      { topology: sim.topology, failover: sim.deps(), startedBy: 'arn:aws:iam::123456789012:user/oncall' },
    );
    expect(executed).toMatchObject({
      mode: 'executed',
      result: 'succeeded',
      journalKey: expect.stringMatching(/^failover#run#/),
    });
    expect(executed.mode === 'executed' && executed.record.startedBy).toBe(
      'arn:aws:iam::123456789012:user/oncall',
    );

    const history = await handleFailoverEvent(
      { action: 'history' },
      { topology: sim.topology, failover: sim.deps() },
    );
    expect(history.mode === 'history' && history.runs).toHaveLength(1);
  });

  it('rejects an event with unknown keys', async () => {
    const sim = lostPrimary();
    await expect(
      handleFailoverEvent(
        { action: 'failover', form: 'primary' },
        { topology: sim.topology, failover: sim.deps() },
      ),
    ).rejects.toMatchObject({
      code: 'USAGE_FAILOVER_REQUEST',
    });
  });
});
