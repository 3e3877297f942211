import { describe, expect, it } from 'vitest';
import type { HostCommand } from '../../../lib/executor/index.js';
import {
  FAILOVER_ERROR_CODES,
  executeOperation,
  readOpenRun,
  type Continuation,
  type FailoverDeps,
} from '../../../lib/failover/index.js';
import { readRoles, type ClusterRoles } from '../../../lib/roles/index.js';
import { MemoryStateStore, type StateStore } from '../../../lib/state/index.js';
import { lostPrimarySim, simFailoverSection, type SimCluster } from './fake-cluster.js';

const failover = { kind: 'failover', from: 'primary', to: 'standby' } as const;

const lostPrimary = lostPrimarySim;

/** Each site's own table, as in AWS: the primary region's and the standby region's. */
const twoRegions = (sim: SimCluster) => {
  const stores: Record<string, StateStore> = {
    primary: new MemoryStateStore({ now: () => sim.now }),
    standby: new MemoryStateStore({ now: () => sim.now }),
  };
  return { stores, storeOf: (site: string) => stores[site]! };
};

/** A region whose table does not answer. */
const lostTable: StateStore = {
  get: () => Promise.reject(new Error('connect ETIMEDOUT dynamodb.us-east-1')),
  put: () => Promise.reject(new Error('connect ETIMEDOUT dynamodb.us-east-1')),
  delete: () => Promise.reject(new Error('connect ETIMEDOUT dynamodb.us-east-1')),
  list: () => Promise.reject(new Error('connect ETIMEDOUT dynamodb.us-east-1')),
};

describe('one authority per run: the target site store', () => {
  it('keeps the lock and journal in the target site store and records the live roles in both', async () => {
    const sim = lostPrimary();
    const { stores, storeOf } = twoRegions(sim);

    const report = await executeOperation(sim.topology, failover, sim.deps({ storeOf }));

    expect(report.result, report.message).toBe('succeeded');
    expect(await stores.standby!.get(report.journalKey)).toBeDefined();
    expect(await stores.primary!.get(report.journalKey)).toBeUndefined();
    for (const site of ['primary', 'standby']) {
      expect(await readRoles(stores[site]!, sim.topology)).toMatchObject({
        primary: 'standby',
        runId: report.runId,
        operation: 'failover',
        voters: ['zk4'],
      });
    }
    expect(report.record.rolesRecorded).toEqual({ written: ['primary', 'standby'], failed: [] });
  });

  it('succeeds when the lost region table does not answer, saying where the roles were not recorded', async () => {
    const sim = lostPrimary();
    const standby = new MemoryStateStore({ now: () => sim.now });
    const storeOf = (site: string) => (site === 'standby' ? standby : lostTable);

    const report = await executeOperation(sim.topology, failover, sim.deps({ storeOf }));

    expect(report.result, report.message).toBe('succeeded');
    expect(report.message).toMatch(/live roles not recorded at primary \(.*ETIMEDOUT/);
    expect(report.record.facts.unreadableStores).toEqual([
      expect.stringMatching(/primary's state could not be read/),
    ]);
    expect((await readRoles(standby, sim.topology)).primary).toBe('standby');
  });

  it('lets exactly one of two runs of the same operation started at once proceed, naming the holder', async () => {
    const sim = lostPrimary();
    const { storeOf } = twoRegions(sim);

    const [cli, fn] = await Promise.allSettled([
      executeOperation(sim.topology, failover, sim.deps({ storeOf, holder: 'alice@ops pid 7' })),
      executeOperation(sim.topology, failover, sim.deps({ storeOf, holder: 'lambda:chdr-failover/req-9' })),
    ]);

    const outcomes = [cli, fn];
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.result === 'succeeded')).toHaveLength(
      1,
    );
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: FAILOVER_ERROR_CODES.locked });
    expect((refused.reason as Error).message).toMatch(/alice@ops pid 7|lambda:chdr-failover\/req-9/);
  });

  it('refuses a run while the other site store holds a lock of its own, naming the holder', async () => {
    const sim = lostPrimary();
    const { stores, storeOf } = twoRegions(sim);
    await stores.primary!.put('failover#lock', {
      holder: 'bob@laptop pid 12',
      host: 'laptop',
      pid: 12,
      runId: 'r-other',
      operation: 'failback standby->primary',
      since: '2026-05-23T10:00:00.000Z',
    });

    const refused = await executeOperation(sim.topology, failover, sim.deps({ storeOf })).catch(
      (e: unknown) => e,
    );

    expect(refused).toMatchObject({ code: FAILOVER_ERROR_CODES.locked });
    expect((refused as Error).message).toMatch(/in primary's state: bob@laptop pid 12 .*run r-other/);
    expect(await stores.standby!.get('failover#lock')).toBeUndefined();
  });

  it('keeps the roles of the run that moved the primary when the operation is found already done', async () => {
    const sim = lostPrimary();
    const { stores, storeOf } = twoRegions(sim);
    const first = await executeOperation(sim.topology, failover, sim.deps({ storeOf }));

    const again = await executeOperation(sim.topology, failover, sim.deps({ storeOf }));

    expect(again.result).toBe('already-done');
    expect(await readRoles(stores.primary!, sim.topology)).toMatchObject({ runId: first.runId });
    expect(await readRoles(stores.standby!, sim.topology)).toMatchObject({ runId: first.runId });
  });

  it('lifts the recovered site fence when recover succeeds, keeping other fences', async () => {
    const sim = lostPrimary();
    const { stores, storeOf } = twoRegions(sim);
    await executeOperation(sim.topology, failover, sim.deps({ storeOf }));
    const fenced: ClusterRoles = {
      ...(await readRoles(stores.standby!, sim.topology)),
      fenced: [
        {
          site: 'primary',
          nodes: ['zk1', 'zk2', 'zk3', 'ch1', 'ch2'],
          method: 'process-killed',
          runId: 'r1',
          at: '2026-05-23T10:00:00.000Z',
          by: 'tester',
        },
      ],
    };
    await stores.primary!.put('roles#local', fenced);

    const recovered = await executeOperation(
      sim.topology,
      { kind: 'recover', from: 'primary', to: 'standby' },
      sim.deps({ storeOf }),
    );

    expect(recovered.result, recovered.message).toBe('succeeded');
    for (const site of ['primary', 'standby']) {
      const roles = await readRoles(stores[site]!, sim.topology);
      expect(roles).toMatchObject({ primary: 'standby', operation: 'recover', fenced: [] });
    }
  });
});

describe('named override for an unfinished run', () => {
  it('abandons the open run of another operation only with abandonOpenRun, and says so in its journal', async () => {
    const sim = lostPrimary();
    const first = await executeOperation(
      sim.topology,
      failover,
      sim.deps({ beforeStep: () => Promise.reject(new Error('crash')) }),
    );
    const recover = { kind: 'recover', from: 'primary', to: 'standby' } as const;
    const refused = await executeOperation(sim.topology, recover, sim.deps()).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/--abandon-open-run/);

    const report = await executeOperation(sim.topology, { ...recover, abandonOpenRun: true }, sim.deps());

    expect(report.runId).not.toBe(first.runId);
    const abandoned = await sim.store.get<{ result: string; message: string }>(first.journalKey);
    expect(abandoned?.value).toMatchObject({ result: 'abandoned' });
    expect(abandoned?.value.message).toMatch(/--abandon-open-run/);
  });
});

describe('runs outlive an invocation', () => {
  const budget = (values: number[]): (() => number) => {
    let call = 0;
    return () => values[Math.min(call++, values.length - 1)]!;
  };

  it('hands the run to a fresh invocation when a step may not fit, and the continuation finishes it', async () => {
    const sim = lostPrimary();
    const continued: Continuation[] = [];
    const first = await executeOperation(
      sim.topology,
      failover,
      sim.deps({
        holder: 'lambda:fn/req-1',
        remainingMs: budget([900_000, 20_000]),
        continueRun: async (continuation) => void continued.push(continuation),
      }),
    );
    expect(first.result).toBe('continued');
    expect(continued).toEqual([{ runId: first.runId, token: expect.any(String) }]);
    expect(first.record.steps.map((s) => `${s.stepId}:${s.state}`)).toEqual(['preflight:verified']);
    expect(await sim.store.get('failover#lock')).toMatchObject({ value: { runId: first.runId } });
    const meanwhile = await executeOperation(
      sim.topology,
      failover,
      sim.deps({ holder: 'carol@cli pid 3' }),
    ).catch((e: unknown) => e);
    expect((meanwhile as Error).message).toMatch(/lambda:fn\/req-1/);

    // Lambda delivers an asynchronous event at least once: a second delivery must not run beside the first.
    let duplicate: unknown;
    const second = await executeOperation(
      sim.topology,
      { ...failover, continues: continued[0]! },
      sim.deps({
        holder: 'lambda:fn/req-2',
        remainingMs: () => 900_000,
        continueRun: async () => undefined,
        beforeStep: async () => {
          duplicate ??= await executeOperation(
            sim.topology,
            { ...failover, continues: continued[0]! },
            sim.deps({ holder: 'lambda:fn/req-2-again' }),
          ).catch((e: unknown) => e);
        },
      }),
    );
    expect(duplicate).toMatchObject({ code: FAILOVER_ERROR_CODES.locked });
    expect((duplicate as Error).message).toMatch(/lambda:fn\/req-2 since/);

    expect(second.result, second.message).toBe('succeeded');
    expect(second.runId).toBe(first.runId);
    expect(second.record.attempts).toBe(2);
    // The guards that can change are checked again before the run goes on.
    expect(second.record.steps.filter((s) => s.stepId === 'preflight')).toHaveLength(2);
    expect(await sim.store.get('failover#lock')).toBeUndefined();
  });

  it('hands a rollback that may not fit to a fresh invocation, which resumes it as a rollback', async () => {
    const sim = lostPrimary();
    const files = sim.snapshotFiles();
    sim.failOn = /^sim start zk4$/;
    const continued: Continuation[] = [];
    const first = await executeOperation(
      sim.topology,
      failover,
      sim.deps({
        remainingMs: budget([900_000, 900_000, 900_000, 1_000]), // preflight, fence, coordination; then the rollback
        continueRun: async (continuation) => void continued.push(continuation),
      }),
    );
    expect(first.result).toBe('continued');
    expect(first.message).toMatch(/^the rollback may not fit in this invocation/);
    sim.failOn = undefined;

    const second = await executeOperation(
      sim.topology,
      { ...failover, continues: continued[0]! },
      sim.deps({ remainingMs: () => 900_000, continueRun: async () => undefined }),
    );

    expect(second.result, second.message).toBe('rolled-back');
    expect(second.message).toMatch(
      /^coordination-standby failed before the point of no return .*; rolled back: the cluster is as it was/,
    );
    expect(second.record.steps.map((s) => s.stepId)).not.toContain('repoint-standby');
    expect(sim.snapshotFiles()).toEqual(files);
    expect(await readOpenRun(sim.store)).toBeUndefined();
  });

  it('drops a continuation whose run is no longer open', async () => {
    const sim = lostPrimary();

    const dropped = await executeOperation(
      sim.topology,
      { ...failover, continues: { runId: 'r-gone', token: 't' } },
      sim.deps(),
    ).catch((e: unknown) => e);

    expect(dropped).toMatchObject({ code: FAILOVER_ERROR_CODES.openRun });
    expect((dropped as Error).message).toMatch(/continuation of run r-gone dropped/);
    expect(sim.commands.filter((c) => c.startsWith('sim'))).toEqual([]);
  });

  it('rolls back on resume when the old primary came back while the run waited (split brain)', async () => {
    const sim = lostPrimary();
    const endBefore = (stepId: string) => (id: string) => {
      if (id === stepId) throw new Error('invocation ended');
    };
    const first = await executeOperation(
      sim.topology,
      failover,
      sim.deps({ beforeStep: endBefore('repoint-standby') }),
    );
    expect(sim.mode('zk4')).toBe('leader');
    for (const node of ['zk1', 'zk2', 'zk3', 'ch1', 'ch2']) sim.running.add(node);

    const resumed = await executeOperation(sim.topology, failover, sim.deps());

    expect(resumed.runId).toBe(first.runId);
    expect(resumed.result, resumed.message).toBe('rolled-back');
    expect(resumed.message).toMatch(/guard no longer holds on resume.*still has a leader/);
    expect(sim.mode('zk4')).toBe('observer');
  });

  it('cancels a timed-out step before rolling back, so the rollback never runs beside it', async () => {
    const sim = lostPrimary({
      failoverSection: simFailoverSection.replace('stepTimeoutSeconds: 5', 'stepTimeoutSeconds: 0.2'),
    });
    const events: string[] = [];
    let hung = false;
    const executor: FailoverDeps['executor'] = {
      kind: 'sim',
      run: (command: HostCommand) => {
        if (!hung && command.command === 'sim start zk4') {
          hung = true;
          events.push('hang zk4');
          return new Promise((_, reject) =>
            command.signal!.addEventListener('abort', () => {
              events.push('cancelled zk4');
              reject(new Error('killed'));
            }),
          );
        }
        events.push(command.command);
        return sim.executor.run(command);
      },
    };

    const report = await executeOperation(sim.topology, failover, { ...sim.deps(), executor });

    expect(report.result, report.message).toBe('rolled-back');
    const entry = report.record.steps.find((s) => s.stepId === 'coordination-standby')!;
    expect(entry.error).toMatchObject({ code: FAILOVER_ERROR_CODES.timeout });
    expect(entry.error!.message).toMatch(/ran past its timeout .* and was cancelled$/);
    const cancelledAt = events.indexOf('cancelled zk4');
    expect(cancelledAt).toBe(events.indexOf('hang zk4') + 1);
    expect(await readOpenRun(sim.store)).toBeUndefined();
  }, 20_000);
});
