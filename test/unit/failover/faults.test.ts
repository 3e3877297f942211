import { describe, expect, it } from 'vitest';
import type { HostCommand } from '../../../lib/executor/index.js';
import {
  buildSteps,
  executeOperation,
  readOpenRun,
  type FailoverDeps,
  type OperationRequest,
  type RunReport,
} from '../../../lib/failover/index.js';
import { lostPrimarySim, type SimCluster } from './fake-cluster.js';

/**
 * Issue 12 acceptance on the simulated cluster: a fault injected at EVERY step of failover, recover and
 * failback. Three faults per step: a kill at the step's start (the test seam `beforeStep` throws), an
 * abort arriving in the middle of the step (after its first command that changes something), and a host
 * command of the step that fails. Whatever happens, the cluster ends as it was (files byte-identical,
 * ZooKeeper modes, running nodes and fences), or the run stays open and a re-run of the same command
 * completes it under the same run id. From the point of no return on, nothing is ever rolled back.
 */

const FAILOVER = { kind: 'failover', from: 'primary', to: 'standby' } as const;
const RECOVER = { kind: 'recover', from: 'primary', to: 'standby' } as const;
const FAILBACK = { kind: 'failback', from: 'standby', to: 'primary' } as const;

/** The cluster as an operation starts it: after the operations that come before it. */
const scenarios: { request: OperationRequest; start: () => Promise<SimCluster> }[] = [
  { request: FAILOVER, start: async () => lostPrimarySim() },
  {
    request: RECOVER,
    start: async () => {
      const sim = lostPrimarySim();
      await expectSucceeded(sim, FAILOVER);
      return sim;
    },
  },
  {
    request: FAILBACK,
    start: async () => {
      const sim = lostPrimarySim();
      await expectSucceeded(sim, FAILOVER);
      await expectSucceeded(sim, RECOVER);
      return sim;
    },
  },
];

const expectSucceeded = async (sim: SimCluster, request: OperationRequest): Promise<RunReport> => {
  const report = await executeOperation(sim.topology, request, sim.deps());
  expect(report.result, `${request.kind}: ${report.message}`).toBe('succeeded');
  return report;
};

const ZK = ['zk1', 'zk2', 'zk3', 'zk4'];

/** What "the cluster as it was" compares: config files, ZooKeeper modes, running nodes, fences. */
const clusterState = (sim: SimCluster) => ({
  files: sim.snapshotFiles(),
  modes: ZK.map((n) => sim.mode(n)),
  running: [...sim.running].sort(),
  fenced: Object.fromEntries([...sim.fenced].sort()),
});

/** Commands that change the cluster (reads of files and mtimes excluded). */
const changes = (command: string) => !/^(cat|stat) /.test(command);

/** Which steps ran (not skipped, not already done) in a report: the step a fault hit must be among them. */
const stepState = (report: RunReport, stepId: string) =>
  report.record.steps.filter((s) => s.stepId === stepId).map((s) => s.state);

/** The run after the fault: rolled back to the starting state, or open and completed by a re-run. */
const expectEndsAsItWasOrCompletes = async (
  sim: SimCluster,
  request: OperationRequest,
  report: RunReport,
  before: ReturnType<typeof clusterState>,
) => {
  const open = await readOpenRun(sim.store);
  if (report.result === 'rolled-back' || (report.result !== 'succeeded' && open === undefined)) {
    expect(report.message).not.toMatch(/rollback incomplete/);
    expect(clusterState(sim)).toEqual(before);
    return 'as-it-was';
  }
  if (report.result === 'succeeded') return 'completed';
  expect(open, report.message).toMatchObject({ runId: report.runId });
  const rerun = await executeOperation(sim.topology, request, sim.deps());
  expect(rerun.result, rerun.message).toBe('succeeded');
  expect(rerun.runId).toBe(report.runId);
  return 'resumed';
};

const pastPointOfNoReturn = (report: RunReport) => report.record.facts.pointOfNoReturn !== undefined;

for (const { request, start } of scenarios) {
  const name = `${request.kind} ${request.from}->${request.to}`;
  // The plan of the operation on the cluster it starts from: every step id gets each fault.
  const stepIds = async () => buildSteps((await start()).topology, request).map((s) => s.id);

  describe(`${name}: a fault at every step`, () => {
    it('lists the steps under test (the plan is not empty and has a point of no return where it promotes)', async () => {
      const ids = await stepIds();
      expect(ids.length).toBeGreaterThan(3);
      const pnr = buildSteps((await start()).topology, request).filter((s) => s.pointOfNoReturn);
      expect(pnr.map((s) => s.id)).toEqual(request.kind === 'recover' ? [] : [`repoint-${request.to}`]);
    });

    it('killed at the start of each step: the run stays open and a re-run completes it', async () => {
      for (const stepId of await stepIds()) {
        const sim = await start();
        const killed = await executeOperation(
          sim.topology,
          request,
          sim.deps({
            beforeStep: (id) => {
              if (id === stepId) throw new Error('SIGKILL (simulated)');
            },
          }),
        );
        expect(killed.result, `${stepId}: ${killed.message}`).toBe('failed');
        expect(killed.message).toMatch(new RegExp(`interrupted before ${stepId}`));
        expect(await readOpenRun(sim.store), stepId).toMatchObject({ runId: killed.runId });

        const rerun = await executeOperation(sim.topology, request, sim.deps());
        expect(rerun.result, `${stepId}: ${rerun.message}`).toBe('succeeded');
        expect(rerun.runId).toBe(killed.runId);
      }
    });

    it('aborted in the middle of each step (after its first change): never rolled back, a re-run completes it', async () => {
      const hit: string[] = [];
      for (const stepId of await stepIds()) {
        const sim = await start();
        const controller = new AbortController();
        let current = '';
        const executor = {
          kind: 'sim',
          run: async (command: HostCommand) => {
            const result = await sim.executor.run(command);
            if (current === stepId && changes(command.command) && !controller.signal.aborted) {
              hit.push(stepId);
              controller.abort(new Error('SIGTERM (simulated)'));
            }
            return result;
          },
        };
        const stopped = await executeOperation(
          sim.topology,
          request,
          sim.deps({ executor, signal: controller.signal, beforeStep: (id) => void (current = id) }),
        );
        if (!controller.signal.aborted) {
          // A step that changes nothing through a host command (a check): it cannot be cut mid-change.
          expect(stopped.result, `${stepId}: ${stopped.message}`).toBe('succeeded');
          continue;
        }
        expect(stopped.result, `${stepId}: ${stopped.message}`).toBe('failed');
        expect(stopped.message).toMatch(/run the same command again to resume/);
        const rerun = await executeOperation(sim.topology, request, sim.deps());
        expect(rerun.result, `${stepId}: ${rerun.message}`).toBe('succeeded');
        expect(rerun.runId).toBe(stopped.runId);
      }
      // The faults really hit the steps that change the cluster.
      expect(hit.length).toBeGreaterThan(1);
    });

    it('a failing host command in each step: as it was before the point of no return, resumed after it', async () => {
      const outcomes: Record<string, string> = {};
      for (const stepId of await stepIds()) {
        const sim = await start();
        const before = clusterState(sim);
        let current = '';
        let failed = false;
        // The first command of the step that changes something fails once; the rest (the rollback) succeed.
        const executor = {
          kind: 'sim',
          run: async (command: HostCommand) => {
            if (current === stepId && !failed && changes(command.command)) {
              failed = true;
              sim.commands.push(command.command);
              return { exitCode: 1, stdout: '', stderr: 'injected failure', durationMs: 1, timedOut: false };
            }
            return sim.executor.run(command);
          },
        };
        const deps: FailoverDeps = sim.deps({ executor, beforeStep: (id) => void (current = id) });
        const report = await executeOperation(sim.topology, request, deps);
        if (!failed) {
          expect(report.result, `${stepId}: ${report.message}`).toBe('succeeded');
          outcomes[stepId] = 'no host command';
          continue;
        }
        expect(stepState(report, stepId), `${stepId}: ${report.message}`).toContain(
          report.result === 'rolled-back' ? 'rolled-back' : 'failed',
        );
        if (pastPointOfNoReturn(report)) {
          expect(report.result, `${stepId}: ${report.message}`).not.toBe('rolled-back');
          expect(report.message).toMatch(/after the point of no return/);
        }
        outcomes[stepId] = await expectEndsAsItWasOrCompletes(sim, request, report, before);
      }
      // Every step before the point of no return that changes something ends as it was; after it, resumed.
      const ids = await stepIds();
      const pnr = ids.indexOf(`repoint-${request.to}`);
      for (const [i, id] of ids.entries()) {
        if (outcomes[id] === 'no host command') continue;
        if (pnr >= 0 && i >= pnr) expect(outcomes[id], id).toBe('resumed');
        else expect(outcomes[id], id).toBe('as-it-was');
      }
      expect(Object.values(outcomes).filter((o) => o !== 'no host command').length).toBeGreaterThan(1);
    });
  });
}

/** Never settles: what every call of a killed process looks like from the outside. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Starts a failover whose process "dies" as it writes zk4's new zoo.cfg (zk4 stopped and its data backed
 * up already): from then on its executor and store never answer. Its lock is taken to have expired.
 */
const killedWhileRebuilding = async (sim: SimCluster): Promise<string> => {
  let dead = false;
  const executor = {
    kind: 'sim',
    run: (command: HostCommand) => {
      if (!dead && /^printf .*\/zk4\/zoo\.cfg/.test(command.command)) dead = true;
      return dead ? never<never>() : sim.executor.run(command);
    },
  };
  const store = {
    get: <T>(key: string) => (dead ? never<never>() : sim.store.get<T>(key)),
    put: <T>(key: string, value: T, options?: Parameters<typeof sim.store.put>[2]) =>
      dead ? never<never>() : sim.store.put(key, value, options),
    delete: (key: string, options?: { expectedVersion?: number }) =>
      dead ? never<never>() : sim.store.delete(key, options),
    list: <T>(prefix: string) => (dead ? never<never>() : sim.store.list<T>(prefix)),
  };
  void executeOperation(sim.topology, FAILOVER, sim.deps({ executor, store, storeOf: () => store }));
  for (let i = 0; i < 100 && !dead; i++) await new Promise((r) => setTimeout(r, 5));
  expect(dead).toBe(true);
  expect(sim.running.has('zk4')).toBe(false);
  const open = await readOpenRun(sim.store);
  const journal = (await sim.store.get<RunReport['record']>(`failover#run#${open!.runId}`))!.value;
  // The interrupted step's undo record reached the journal before the change that was cut short.
  expect(journal.steps.at(-1)).toMatchObject({
    stepId: 'coordination-standby',
    state: 'started',
    undo: { files: [expect.objectContaining({ node: 'zk4', kind: 'coordination' })] },
  });
  await sim.store.delete('failover#lock');
  return open!.runId;
};

describe('a run killed in the middle of a step (the process dies, its lock is taken over)', () => {
  it('is completed by the same command: the target ensemble it stopped is not taken for a failed guard', async () => {
    const sim = lostPrimarySim();
    const runId = await killedWhileRebuilding(sim);

    const resumed = await executeOperation(sim.topology, FAILOVER, sim.deps());

    expect(resumed.result, resumed.message).toBe('succeeded');
    expect(resumed.runId).toBe(runId);
    expect(sim.mode('zk4')).toBe('leader');
  });

  it('undoes the interrupted step too when the resumed run rolls back: the cluster is as it was', async () => {
    const sim = lostPrimarySim();
    const before = clusterState(sim);
    const runId = await killedWhileRebuilding(sim);
    let failed = false;
    // The resumed step fails once (zk4 does not start); the rollback's commands succeed.
    const executor = {
      kind: 'sim',
      run: async (command: HostCommand) => {
        if (!failed && command.command === 'sim start zk4') {
          failed = true;
          return { exitCode: 1, stdout: '', stderr: 'injected failure', durationMs: 1, timedOut: false };
        }
        return sim.executor.run(command);
      },
    };

    const resumed = await executeOperation(sim.topology, FAILOVER, sim.deps({ executor }));

    expect(resumed.runId).toBe(runId);
    expect(resumed.result, resumed.message).toBe('rolled-back');
    expect(resumed.message).toMatch(/the cluster is as it was/);
    expect(
      resumed.record.steps.filter((s) => s.stepId === 'coordination-standby').map((s) => s.state),
    ).toEqual(['rolled-back', 'rolled-back']);
    expect(clusterState(sim)).toEqual(before);
  });
});
