import type { Topology } from '../config/index.js';
import { describeError, isChdrError } from '../errors/index.js';
import { realSleep } from '../executor/index.js';
import { systemClock } from '../probe/index.js';
import {
  DEFAULT_LOCK_TTL_SECONDS,
  DEFAULT_POLL_INTERVAL_MS,
  ROLE_MOVING_KINDS,
  RUN_RESULTS,
  STEP_STATES,
} from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import { observePrimary } from './guards.js';
import {
  clearOpenRun,
  listRuns,
  newRunId,
  outputExcerpt,
  readOpenRun,
  RunJournal,
  runKey,
  setOpenRun,
} from './journal.js';
import { acquireLock, defaultHolder, releaseLock, renewLock, type LockHandle } from './lock.js';
import { buildSteps, confirmationFor, sitesOf } from './operations.js';
import type {
  FailoverDeps,
  FailoverEvent,
  FailoverStep,
  JournalEntry,
  OperationRequest,
  PlanReport,
  RunRecord,
  RunReport,
  RunResult,
  StepContext,
} from './types.js';

const GRACE_MS = 5_000;

const resolveDeps = (deps: FailoverDeps): StepContext['deps'] => ({
  store: deps.store,
  executor: deps.executor,
  connect: deps.connect,
  sendWord: deps.sendWord,
  clock: deps.clock ?? systemClock,
  sleep: deps.sleep ?? realSleep,
  pollIntervalMs: deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  ...(deps.route53 ? { route53: deps.route53 } : {}),
  ...(deps.lambda ? { lambda: deps.lambda } : {}),
  ...(deps.signal ? { signal: deps.signal } : {}),
  ...(deps.siteStore ? { siteStore: deps.siteStore } : {}),
  ...(deps.fencer ? { fencer: deps.fencer } : {}),
});

const contextFor = (
  topology: Topology,
  request: OperationRequest,
  deps: StepContext['deps'],
  runId: string,
  facts: Record<string, unknown>,
): StepContext => {
  const { from, to } = sitesOf(topology, request);
  return {
    topology,
    settings: topology.failover,
    request,
    runId,
    from,
    to,
    deps,
    facts,
    deadline: deps.clock.now() + topology.failover.stepTimeoutSeconds * 1000,
    note: () => undefined,
    undo: {},
    defer: (action) => action(),
  };
};

/** Renders every step's exact actions; probes read-only to show what is already done and what would be picked. */
export const planOperation = async (
  topology: Topology,
  request: OperationRequest,
  deps: FailoverDeps,
): Promise<PlanReport> => {
  const resolved = resolveDeps(deps);
  const steps = buildSteps(topology, request);
  const ctx = contextFor(topology, request, resolved, 'plan', {});
  const planned: PlanReport['steps'] = [];
  for (const step of steps) {
    ctx.deadline = resolved.clock.now() + Math.min(10_000, topology.failover.stepTimeoutSeconds * 1000);
    let done: boolean | null = null;
    if (step.isDone) done = await step.isDone(ctx).catch(() => null);
    planned.push({ id: step.id, title: step.title, kind: step.kind, done, actions: await step.plan(ctx) });
  }
  return {
    kind: request.kind,
    from: request.from,
    to: request.to,
    confirmation: confirmationFor(request),
    steps: planned,
  };
};

/** Plain-text plan for the CLI and the Lambda's reply. */
export const formatPlan = (plan: PlanReport): string => {
  const lines = [`Plan: ${plan.kind} ${plan.from} -> ${plan.to} (nothing is changed without --execute)`];
  plan.steps.forEach((step, i) => {
    const state = step.done === true ? ' [already done: skipped]' : step.done === null ? '' : '';
    lines.push(`${i + 1}. ${step.id}: ${step.title}${state}`);
    for (const action of step.actions)
      lines.push(`     ${action.via.padEnd(6)} ${action.target.padEnd(10)} ${action.text}`);
  });
  lines.push(`To execute: --execute (CLI), or confirm: "${plan.confirmation}" in the Lambda event.`);
  return lines.join('\n');
};

const withTimeout = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new FailoverError(
                FAILOVER_ERROR_CODES.timeout,
                `${what} ran past its timeout (${Math.round(ms / 1000)} s)`,
              ),
            ),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

const lastEntry = (record: RunRecord, stepId: string): JournalEntry | undefined =>
  [...record.steps].reverse().find((entry) => entry.stepId === stepId);

const newEntry = (step: FailoverStep, state: JournalEntry['state'], startedAt: string): JournalEntry => ({
  stepId: step.id,
  title: step.title,
  kind: step.kind,
  state,
  startedAt,
  output: '',
});

/** A failing `isDone` counts as not done: the step runs and finds out. */
const alreadyDone = async (step: FailoverStep, ctx: StepContext): Promise<boolean> =>
  step.isDone ? step.isDone(ctx).catch(() => false) : false;

/** The deadline of a step starting now, with the configured step timeout. */
const stepDeadline = (ctx: StepContext): number =>
  ctx.deps.clock.now() + ctx.settings.stepTimeoutSeconds * 1000;

/**
 * Runs an operation under the lock, step by step, journaling each (start, result, duration, output), and
 * resuming an unfinished run of the same operation after its last verified step. A step that fails before
 * the point of no return rolls back the changes made so far, in reverse; after it, the run stops and stays
 * open for a resume. Never throws for a step failure: the report says what happened. Throws when the lock
 * is held, the request is invalid, or another operation is unfinished.
 */
export const executeOperation = async (
  topology: Topology,
  request: OperationRequest,
  deps: FailoverDeps,
): Promise<RunReport> => {
  const resolved = resolveDeps(deps);
  const { clock, store } = resolved;
  const log = deps.log ?? (() => undefined);
  const steps = buildSteps(topology, request);
  const holder = deps.holder ?? defaultHolder();
  const lockTtl = Math.max(DEFAULT_LOCK_TTL_SECONDS, topology.failover.stepTimeoutSeconds * 2);
  let lock: LockHandle = await acquireLock(store, {
    holder,
    runId: newRunId(clock.now()),
    request,
    ttlSeconds: lockTtl,
    clock,
  });
  let journal: RunJournal | undefined;
  const notify = async (
    event: Omit<FailoverEvent, 'runId' | 'operation' | 'from' | 'to' | 'cluster' | 'at'>,
  ) => {
    if (!deps.notifier || !journal) return;
    try {
      await deps.notifier.notify({
        ...event,
        runId: journal.record.runId,
        operation: request.kind,
        from: request.from,
        to: request.to,
        cluster: topology.cluster,
        at: new Date(clock.now()).toISOString(),
      });
    } catch (error) {
      log(`notification failed: ${describeError(error)}`);
    }
  };

  try {
    let resumed = false;
    const open = await readOpenRun(store);
    if (open && (open.kind !== request.kind || open.from !== request.from || open.to !== request.to)) {
      if (!request.abandonOpenRun) {
        throw new FailoverError(
          FAILOVER_ERROR_CODES.openRun,
          `run ${open.runId} (${open.kind} ${open.from}->${open.to}) is unfinished since ${open.since}: resume it with ` +
            `\`chdr ${open.kind} --from ${open.from} --to ${open.to} --execute\`, or pass --abandon-open-run to abandon it`,
        );
      }
      const abandoned = await RunJournal.load(store, open.runId);
      if (abandoned) {
        abandoned.record.result = RUN_RESULTS.abandoned;
        abandoned.record.endedAt = new Date(clock.now()).toISOString();
        abandoned.record.message = `abandoned by ${holder} for ${request.kind} ${request.from}->${request.to}`;
        await abandoned.save();
      }
      await clearOpenRun(store, open.runId);
    } else if (open) {
      journal = await RunJournal.load(store, open.runId);
      if (journal) {
        resumed = true;
        journal.record.attempts += 1;
        journal.record.result = RUN_RESULTS.running;
        await journal.save();
        log(`resuming run ${open.runId} (attempt ${journal.record.attempts})`);
      } else {
        await clearOpenRun(store, open.runId);
      }
    }
    if (!journal) {
      journal = await RunJournal.create(store, {
        runId: lock.value.runId,
        cluster: topology.cluster,
        kind: request.kind,
        from: request.from,
        to: request.to,
        startedBy: request.startedBy ?? holder,
        startedAt: new Date(clock.now()).toISOString(),
        result: RUN_RESULTS.running,
        attempts: 1,
        facts: {},
        steps: [],
      });
    }
    if (lock.value.runId !== journal.record.runId) {
      lock = await renewLock(
        store,
        { ...lock, value: { ...lock.value, runId: journal.record.runId } },
        lockTtl,
      );
    }
    const record = journal.record;
    const ctx = contextFor(topology, request, resolved, record.runId, record.facts);
    const markOpen = () =>
      setOpenRun(store, {
        runId: record.runId,
        kind: record.kind,
        from: record.from,
        to: record.to,
        since: record.startedAt,
      });

    const finish = async (result: RunResult, message: string, keepOpen: boolean): Promise<RunReport> => {
      record.result = result;
      record.message = message;
      if (!keepOpen) record.endedAt = new Date(clock.now()).toISOString();
      if (typeof record.facts.rpoSeconds === 'number' || record.facts.rpoSeconds === null)
        record.rpoSeconds = record.facts.rpoSeconds as number | null;
      if (typeof record.facts.rpoBasis === 'string') record.rpoBasis = record.facts.rpoBasis;
      if (typeof record.facts.writableAt === 'number') {
        record.rtoSeconds = Math.round((record.facts.writableAt - Date.parse(record.startedAt)) / 100) / 10;
      }
      await journal!.save();
      if (keepOpen) await markOpen();
      else await clearOpenRun(store, record.runId);
      log(`${result}: ${message}`);
      await notify({ kind: 'finished', result, summary: message });
      return { runId: record.runId, result, message, record, journalKey: runKey(record.runId) };
    };

    if (!resumed) {
      // Guard rails before anything else: nothing is changed when one refuses.
      const refusal = await guardRefusal(topology, request, ctx, store);
      if (refusal) return await finish(RUN_RESULTS.refused, refusal, false);
      await markOpen();
    }
    await notify({
      kind: 'started',
      summary: `${request.kind} ${request.from}->${request.to}: ${steps.map((s) => s.id).join(', ')}`,
    });

    if (!resumed) {
      const changes = steps.filter((s) => s.kind === 'change');
      let allDone = changes.length > 0;
      for (const step of changes) {
        ctx.deadline = stepDeadline(ctx);
        if (!(await alreadyDone(step, ctx))) {
          allDone = false;
          break;
        }
      }
      if (allDone) {
        const now = new Date(clock.now()).toISOString();
        for (const step of steps) {
          record.steps.push({
            ...newEntry(step, STEP_STATES.skipped, now),
            endedAt: now,
            durationMs: 0,
            output: 'already done',
          });
        }
        return await finish(
          RUN_RESULTS.alreadyDone,
          `${request.kind} ${request.from}->${request.to} is already done; nothing changed`,
          false,
        );
      }
    }

    const executed: { step: FailoverStep; entry: JournalEntry }[] = [];
    for (const step of steps) {
      const prior = lastEntry(record, step.id);
      if (prior && (prior.state === STEP_STATES.verified || prior.state === STEP_STATES.skipped)) {
        log(`- ${step.id}: ${prior.state} in an earlier attempt`);
        continue;
      }
      if (deps.signal?.aborted) {
        return await finish(
          RUN_RESULTS.failed,
          `aborted before ${step.id}; run the same command again to resume`,
          true,
        );
      }
      try {
        await deps.beforeStep?.(step.id);
      } catch (error) {
        return await finish(
          RUN_RESULTS.failed,
          `interrupted before ${step.id} (${describeError(error)}); run the same command again to resume`,
          true,
        );
      }
      lock = await renewLock(store, lock, lockTtl);
      const startedAt = clock.now();
      const notes: string[] = [];
      const entry = newEntry(step, STEP_STATES.started, new Date(startedAt).toISOString());
      record.steps.push(entry);
      await journal.save();
      const timeoutMs = step.timeoutMs ?? topology.failover.stepTimeoutSeconds * 1000;
      ctx.deadline = startedAt + timeoutMs;
      ctx.note = (line) => notes.push(line);
      ctx.undo = {};
      log(`> ${step.id}: ${step.title}`);
      try {
        if (await alreadyDone(step, ctx)) {
          entry.state = STEP_STATES.skipped;
          notes.push('already done');
        } else {
          await step.precondition?.(ctx);
          const output = await withTimeout(
            (async () => {
              const out = await step.run(ctx);
              await step.verify(ctx);
              return out;
            })(),
            timeoutMs + GRACE_MS,
            step.id,
          );
          notes.push(...(output.notes ?? []));
          Object.assign(record.facts, output.facts ?? {});
          entry.state = STEP_STATES.verified;
          if (step.kind === 'change') executed.push({ step, entry });
        }
      } catch (error) {
        entry.state = STEP_STATES.failed;
        entry.error = { code: isChdrError(error) ? error.code : 'UNEXPECTED', message: describeError(error) };
        if (step.kind === 'change') executed.push({ step, entry });
      } finally {
        entry.endedAt = new Date(clock.now()).toISOString();
        entry.durationMs = clock.now() - startedAt;
        entry.output = outputExcerpt(notes);
        if (ctx.undo.files?.length || ctx.undo.data) entry.undo = ctx.undo;
        await journal.save();
      }
      log(
        `  ${entry.state} in ${((entry.durationMs ?? 0) / 1000).toFixed(1)} s${entry.error ? `: ${entry.error.message}` : ''}`,
      );
      if (entry.state !== STEP_STATES.failed) {
        if (step.pointOfNoReturn) record.facts.pointOfNoReturn = step.id;
        continue;
      }

      await notify({
        kind: 'step-failed',
        stepId: step.id,
        summary: `${step.id} failed: ${entry.error!.message}`,
      });
      if (step.nonFatal) continue;
      if (deps.signal?.aborted || entry.error?.code === FAILOVER_ERROR_CODES.aborted) {
        return await finish(
          RUN_RESULTS.failed,
          `aborted during ${step.id}; run the same command again to resume`,
          true,
        );
      }
      const changed = record.steps.some((e) => e.kind === 'change' && e.state !== STEP_STATES.skipped);
      if (!changed) {
        const refused = entry.error?.code === FAILOVER_ERROR_CODES.refused;
        return await finish(
          refused ? RUN_RESULTS.refused : RUN_RESULTS.failed,
          `${step.id}: ${entry.error!.message}`,
          false,
        );
      }
      if (record.facts.pointOfNoReturn === undefined) {
        const rolledBack = await rollback(ctx, record, executed, steps, log);
        await journal.save();
        return await finish(
          RUN_RESULTS.rolledBack,
          `${step.id} failed before the point of no return (${entry.error!.message}); ${rolledBack}`,
          rolledBack.startsWith('rollback incomplete'),
        );
      }
      return await finish(
        RUN_RESULTS.failed,
        `${step.id} failed after the point of no return (${record.facts.pointOfNoReturn}): ${entry.error!.message}. ` +
          'Fix the cause and run the same command again to resume, or recover and fail back.',
        true,
      );
    }
    return await finish(RUN_RESULTS.succeeded, `${request.kind} ${request.from}->${request.to} done`, false);
  } finally {
    await releaseLock(store, lock).catch(() => undefined);
  }
};

/** Undoes the executed change steps of this attempt (and earlier attempts' verified ones), newest first. */
const rollback = async (
  ctx: StepContext,
  record: RunRecord,
  executed: { step: FailoverStep; entry: JournalEntry }[],
  steps: readonly FailoverStep[],
  log: (line: string) => void,
): Promise<string> => {
  // Earlier attempts' verified change steps count too (a resumed run that fails rolls back everything).
  const earlier = record.steps
    .filter(
      (e) => e.kind === 'change' && e.state === STEP_STATES.verified && !executed.some((x) => x.entry === e),
    )
    .map((entry) => ({ step: steps.find((s) => s.id === entry.stepId)!, entry }))
    .filter((x) => x.step);
  const all = [...earlier, ...executed];
  const problems: string[] = [];
  const deferred: { step: string; action: () => Promise<void> }[] = [];
  let current = '';
  ctx.defer = async (action) => void deferred.push({ step: current, action });
  for (const { step, entry } of all.reverse()) {
    if (!step.undo) {
      problems.push(`${step.id} cannot be undone`);
      continue;
    }
    const startedAt = ctx.deps.clock.now();
    ctx.deadline = stepDeadline(ctx);
    const notes: string[] = [];
    ctx.note = (line) => notes.push(line);
    log(`< undo ${step.id}`);
    current = step.id;
    try {
      await step.undo(ctx, entry.undo ?? {});
      entry.state = STEP_STATES.rolledBack;
    } catch (error) {
      entry.state = STEP_STATES.rollbackFailed;
      problems.push(`${step.id}: ${describeError(error)}`);
    }
    entry.output = outputExcerpt([
      entry.output,
      `rollback (${ctx.deps.clock.now() - startedAt} ms):`,
      ...notes,
    ]);
  }
  for (const { step, action } of deferred) {
    ctx.deadline = stepDeadline(ctx);
    log(`< undo ${step} (deferred part)`);
    try {
      await action();
    } catch (error) {
      const entry = record.steps.find((e) => e.stepId === step && e.state === STEP_STATES.rolledBack);
      if (entry) entry.state = STEP_STATES.rollbackFailed;
      problems.push(`${step}: ${describeError(error)}`);
    }
  }
  ctx.defer = (action) => action();
  return problems.length === 0
    ? 'rolled back: the cluster is as it was'
    : `rollback incomplete: ${problems.join('; ')}`;
};

/** Issue 8's preconditions: the expected primary, the anti-flapping block period. Returns why it refuses, or null. */
const guardRefusal = async (
  topology: Topology,
  request: OperationRequest,
  ctx: StepContext,
  store: FailoverDeps['store'],
): Promise<string | null> => {
  if (
    (ROLE_MOVING_KINDS as readonly string[]).includes(request.kind) &&
    !request.ackRecent &&
    topology.failover.blockPeriodMinutes > 0
  ) {
    const now = ctx.deps.clock.now();
    const last = (await listRuns(store))
      .filter(
        (run) =>
          (ROLE_MOVING_KINDS as readonly string[]).includes(run.kind) &&
          run.result === RUN_RESULTS.succeeded &&
          run.endedAt,
      )
      .at(-1);
    if (last) {
      const blockEnds = Date.parse(last.endedAt!) + topology.failover.blockPeriodMinutes * 60_000;
      if (blockEnds > now) {
        return (
          `refused (nothing changed): run ${last.runId} (${last.kind} ${last.from}->${last.to}) finished at ${last.endedAt}; ` +
          `the anti-flapping block period (${topology.failover.blockPeriodMinutes} min) ends at ${new Date(blockEnds).toISOString()}; pass --ack-recent to proceed`
        );
      }
    }
  }
  if (request.expectPrimary) {
    ctx.deadline = ctx.deps.clock.now() + 10_000;
    const observed = await observePrimary(ctx);
    if (observed.site !== request.expectPrimary) {
      return `refused (nothing changed): --expect-primary ${request.expectPrimary}, but the observed primary is ${observed.site ?? 'none'} (${observed.reason})`;
    }
  }
  return null;
};
