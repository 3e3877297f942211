import { randomUUID } from 'node:crypto';
import type { Topology } from '../config/index.js';
import { describeError, isChdrError } from '../errors/index.js';
import { authorityOf } from './authority.js';
import {
  CONTINUATION_MARGIN_MS,
  RUN_RESULTS,
  STEP_CANCEL_WAIT_MS,
  STEP_GRACE_MS,
  STEP_STATES,
} from './constants.js';
import { FAILOVER_ERROR_CODES } from './errors.js';
import { expectedPrimaryRefusal, guardRefusal } from './guards.js';
import { stepOutput } from './journal.js';
import { handOverLock, releaseLock, renewLock } from './lock.js';
import { recordLiveRoles } from './live-roles.js';
import { buildSteps, confirmationFor } from './operations.js';
import { describeRollback, pendingUndos, rollback } from './rollback.js';
import {
  contextFor,
  finish,
  markOpen,
  notify,
  openOrResume,
  resolveDeps,
  saveOutcome,
  type RunSession,
} from './run-session.js';
import { alreadyDone, runStepWithin, stepTimeoutMs } from './step-runner.js';
import type {
  FailoverDeps,
  FailoverStep,
  JournalEntry,
  OperationRequest,
  PlanReport,
  RunReport,
} from './types.js';

/** Renders every step's exact actions; probes read-only to show what is already done and what would be picked. */
export const planOperation = async (
  topology: Topology,
  request: OperationRequest,
  deps: FailoverDeps,
): Promise<PlanReport> => {
  const resolved = resolveDeps(deps, authorityOf(deps, request));
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

const lastEntry = (session: RunSession, stepId: string): JournalEntry | undefined =>
  [...session.record.steps].reverse().find((entry) => entry.stepId === stepId);

const newEntry = (step: FailoverStep, state: JournalEntry['state'], startedAt: string): JournalEntry => ({
  stepId: step.id,
  title: step.title,
  kind: step.kind,
  state,
  startedAt,
  output: '',
});

const pastPointOfNoReturn = (session: RunSession): boolean =>
  session.record.facts.pointOfNoReturn !== undefined;

/** Skip-if-done (a whole run): every change step finds the cluster already as it would leave it. */
const everyChangeDone = async (session: RunSession): Promise<boolean> => {
  const changes = session.steps.filter((s) => s.kind === 'change');
  for (const step of changes) {
    session.ctx.deadline = session.ctx.deps.clock.now() + stepTimeoutMs(step, session.ctx);
    if (!(await alreadyDone(step, session.ctx))) return false;
  }
  return changes.length > 0;
};

const finishAlreadyDone = async (session: RunSession): Promise<RunReport> => {
  const now = new Date(session.ctx.deps.clock.now()).toISOString();
  for (const step of session.steps) {
    session.record.steps.push({
      ...newEntry(step, STEP_STATES.skipped, now),
      endedAt: now,
      durationMs: 0,
      output: 'already done',
    });
  }
  const { kind, from, to } = session.request;
  session.record.rolesRecorded = await recordLiveRoles(session.ctx, session.record, session.deps, {
    onlyIfStale: true,
  });
  return finish(
    session,
    RUN_RESULTS.alreadyDone,
    `${kind} ${from}->${to} is already done; nothing changed`,
    false,
  );
};

/** Skip-if-done (one step): verified or skipped by an earlier attempt of this run. */
const doneEarlier = (session: RunSession, step: FailoverStep): boolean => {
  const prior = lastEntry(session, step.id);
  return prior?.state === STEP_STATES.verified || prior?.state === STEP_STATES.skipped;
};

/** The time a step may take in the worst case: its timeout, the grace, the cancel wait and the hand-over. */
const worstCaseMs = (session: RunSession, step: FailoverStep): number =>
  stepTimeoutMs(step, session.ctx) + STEP_GRACE_MS + STEP_CANCEL_WAIT_MS + CONTINUATION_MARGIN_MS;

/**
 * Issue 12.6: the run outlives a Lambda invocation. The journal is saved with the run open, and a fresh
 * invocation (the continuation event carries the run id and a one-time token) takes the lock over and
 * resumes: the next step, or the rollback under way.
 */
const continueElsewhere = async (
  session: RunSession,
  what: string,
  leftMs: number,
  neededMs: number,
): Promise<RunReport> => {
  const report = await saveOutcome(
    session,
    RUN_RESULTS.continued,
    `${what} may not fit in this invocation (${Math.round(leftMs / 1000)} s left, up to ` +
      `${Math.round(neededMs / 1000)} s needed): continued in a fresh invocation`,
    true,
  );
  try {
    const token = randomUUID();
    session.lock = await handOverLock(session.ctx.deps.store, session.lock, session.lockTtl, token);
    await session.deps.continueRun!({ runId: session.record.runId, token });
    session.handedOver = true;
    session.log(`${report.result}: ${report.message}`);
    return report;
  } catch (error) {
    return finish(
      session,
      RUN_RESULTS.failed,
      `could not start the invocation to continue (${what}: ${describeError(error)}); ` +
        'run the same command again to resume',
      true,
    );
  }
};

/** What stops the run before a step: an abort, the test seam, or too little time left in this invocation. */
const stopBefore = async (session: RunSession, step: FailoverStep): Promise<RunReport | null> => {
  const { deps } = session;
  if (deps.signal?.aborted) {
    return finish(
      session,
      RUN_RESULTS.failed,
      `aborted before ${step.id}; run the same command again to resume`,
      true,
    );
  }
  try {
    await deps.beforeStep?.(step.id);
  } catch (error) {
    return finish(
      session,
      RUN_RESULTS.failed,
      `interrupted before ${step.id} (${describeError(error)}); run the same command again to resume`,
      true,
    );
  }
  return handOverIfShort(session, step.id, worstCaseMs(session, step));
};

/** In a Lambda invocation with less than `neededMs` left: the run is handed to a fresh invocation. */
const handOverIfShort = async (
  session: RunSession,
  what: string,
  neededMs: number,
): Promise<RunReport | null> => {
  const { remainingMs, continueRun } = session.deps;
  if (!remainingMs || !continueRun) return null;
  const leftMs = remainingMs();
  return leftMs < neededMs ? continueElsewhere(session, what, leftMs, neededMs) : null;
};

/**
 * Rolls the run back. Why is journaled first, so that a rollback cut short (a killed process, the end of
 * an invocation) is resumed as a rollback, not run forward; in a Lambda invocation too short for every
 * undo, the rollback is handed to a fresh invocation.
 */
const rollBackRun = async (session: RunSession, why: string): Promise<RunReport> => {
  const { record, steps, ctx } = session;
  record.facts.rollingBack = why;
  await session.journal.save();
  const perUndoMs = ctx.settings.stepTimeoutSeconds * 1000 + STEP_GRACE_MS;
  const neededMs = pendingUndos(record, steps) * perUndoMs + CONTINUATION_MARGIN_MS;
  const handedOver = await handOverIfShort(session, 'the rollback', neededMs);
  if (handedOver) return handedOver;
  const result = await rollback(ctx, record, steps, session.log);
  await session.journal.save();
  return finish(session, RUN_RESULTS.rolledBack, `${why}; ${describeRollback(result)}`, !result.complete);
};

/**
 * The undo record of a running step, saved into its journal entry whenever it grew (one save at a time:
 * the journal is written with a version check), so that a rollback after a kill mid-step undoes it too.
 */
const undoCheckpoints = (session: RunSession, entry: JournalEntry) => {
  const { ctx, journal } = session;
  let saved = '{}';
  let chain: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    chain = chain.then(async () => {
      const current = JSON.stringify(ctx.undo);
      if (current === saved) return;
      saved = current;
      entry.undo = JSON.parse(current) as JournalEntry['undo'];
      await journal.save();
    });
    return chain;
  };
  return { save, settled: () => chain.catch(() => undefined) };
};

/** Run-step: journals the start, runs (or skips) the step under its timeout, journals the result. */
const runStep = async (session: RunSession, step: FailoverStep): Promise<JournalEntry> => {
  const { ctx, record, journal } = session;
  session.lock = await renewLock(ctx.deps.store, session.lock, session.lockTtl);
  const startedAt = ctx.deps.clock.now();
  const transcript: string[] = [];
  const findings: string[] = [];
  const entry = newEntry(step, STEP_STATES.started, new Date(startedAt).toISOString());
  record.steps.push(entry);
  // From the start of this step on, the new primary may take writes: forward only.
  if (step.pointOfNoReturn && !pastPointOfNoReturn(session)) record.facts.pointOfNoReturn = step.id;
  await journal.save();
  const timeoutMs = stepTimeoutMs(step, ctx);
  ctx.deadline = startedAt + timeoutMs;
  ctx.note = (line) => transcript.push(line);
  ctx.undo = {};
  const checkpoints = undoCheckpoints(session, entry);
  ctx.checkpoint = checkpoints.save;
  session.log(`> ${step.id}: ${step.title}`);
  try {
    if (await alreadyDone(step, ctx)) {
      entry.state = STEP_STATES.skipped;
      findings.push('already done');
    } else {
      await step.precondition?.(ctx);
      const output = await runStepWithin(step, ctx, timeoutMs);
      findings.push(...(output.notes ?? []));
      Object.assign(record.facts, output.facts ?? {});
      entry.state = STEP_STATES.verified;
    }
  } catch (error) {
    entry.state = STEP_STATES.failed;
    entry.error = { code: isChdrError(error) ? error.code : 'UNEXPECTED', message: describeError(error) };
  } finally {
    delete ctx.checkpoint;
    await checkpoints.settled();
    entry.endedAt = new Date(ctx.deps.clock.now()).toISOString();
    entry.durationMs = ctx.deps.clock.now() - startedAt;
    entry.output = stepOutput(transcript, findings);
    if (ctx.undo.files?.length || ctx.undo.data) entry.undo = ctx.undo;
    await journal.save();
  }
  session.log(
    `  ${entry.state} in ${((entry.durationMs ?? 0) / 1000).toFixed(1)} s${entry.error ? `: ${entry.error.message}` : ''}`,
  );
  return entry;
};

/**
 * On-failure: a post-hook's failure is reported only; an abort keeps the run open; a failure before any
 * change closes the run (refused or failed); before the point of no return everything is rolled back;
 * after it the run stays open to be resumed forward. Returns null when the run goes on.
 */
const onFailure = async (
  session: RunSession,
  step: FailoverStep,
  entry: JournalEntry,
): Promise<RunReport | null> => {
  const error = entry.error!;
  // A run that ends here says so once, in its finish notice; a failed step is announced on its own only
  // while the run goes on (a post-hook) or rolls back (which takes a while).
  const announceFailure = () =>
    notify(session, { kind: 'step-failed', stepId: step.id, summary: `${step.id} failed: ${error.message}` });
  if (step.nonFatal) {
    await announceFailure();
    return null;
  }
  if (session.deps.signal?.aborted || error.code === FAILOVER_ERROR_CODES.aborted) {
    return finish(
      session,
      RUN_RESULTS.failed,
      `aborted during ${step.id}; run the same command again to resume`,
      true,
    );
  }
  const { record } = session;
  const changed = record.steps.some((e) => e.kind === 'change' && e.state !== STEP_STATES.skipped);
  if (!changed) {
    const refused = error.code === FAILOVER_ERROR_CODES.refused;
    return finish(
      session,
      refused ? RUN_RESULTS.refused : RUN_RESULTS.failed,
      `${step.id}: ${error.message}`,
      false,
    );
  }
  if (!pastPointOfNoReturn(session)) {
    await announceFailure();
    return rollBackRun(session, `${step.id} failed before the point of no return (${error.message})`);
  }
  return finish(
    session,
    RUN_RESULTS.failed,
    `${step.id} failed after the point of no return (${String(record.facts.pointOfNoReturn)}): ${error.message}. ` +
      'Fix the cause and run the same command again to resume, or recover and fail back.',
    true,
  );
};

/**
 * A resumed run re-checks the guards that can change while it waited (split brain, lag, expected
 * primary) as long as it may still roll back; past the point of no return it only goes forward.
 */
const recheckRefusal = async (session: RunSession): Promise<RunReport | null> => {
  if (pastPointOfNoReturn(session)) return null;
  const refusal = await expectedPrimaryRefusal(session.ctx);
  const rechecks = refusal ? [] : session.steps.filter((s) => s.recheckOnResume && doneEarlier(session, s));
  for (const step of rechecks) {
    const facts = { ...session.record.facts };
    const entry = await runStep(session, step);
    // The decision-time facts (RPO estimate, starting state) stay those of the first attempt.
    Object.assign(session.record.facts, facts);
    if (entry.state === STEP_STATES.failed)
      return stopAfterRecheck(session, `${step.id}: ${entry.error!.message}`);
  }
  return refusal ? stopAfterRecheck(session, refusal) : null;
};

const stopAfterRecheck = async (session: RunSession, why: string): Promise<RunReport> => {
  const changed = session.record.steps.some((e) => e.kind === 'change' && e.state === STEP_STATES.verified);
  if (!changed) return finish(session, RUN_RESULTS.refused, `on resume: ${why}`, false);
  return rollBackRun(session, `a guard no longer holds on resume (${why})`);
};

const finishSucceeded = async (session: RunSession): Promise<RunReport> => {
  const { record, request } = session;
  record.rolesRecorded = await recordLiveRoles(session.ctx, record, session.deps);
  const unrecorded = record.rolesRecorded.failed.map((f) => `${f.site} (${f.reason})`);
  return finish(
    session,
    RUN_RESULTS.succeeded,
    `${request.kind} ${request.from}->${request.to} done` +
      (unrecorded.length > 0 ? `; live roles not recorded at ${unrecorded.join(', ')}` : ''),
    false,
  );
};

/** Guards, then every step in order; the report says how the run ended. */
const drive = async (session: RunSession): Promise<RunReport> => {
  if (!session.resumed) {
    const refusal = await guardRefusal(session.ctx, session.deps);
    if (refusal) return finish(session, RUN_RESULTS.refused, refusal, false);
    await markOpen(session);
  } else {
    session.log(`resuming run ${session.record.runId} (attempt ${session.record.attempts})`);
    const rollingBack = session.record.facts.rollingBack;
    if (typeof rollingBack === 'string') return rollBackRun(session, rollingBack);
    const stopped = await recheckRefusal(session);
    if (stopped) return stopped;
  }
  const { request, steps } = session;
  if (!session.resumed && (await everyChangeDone(session))) return finishAlreadyDone(session);
  // One incident, one notice: "started" goes out once the checks have passed, just before the first
  // change, so that a refusal (nothing changed) is said once, by its finish notice.
  let announced = false;
  for (const step of steps) {
    if (doneEarlier(session, step)) {
      session.log(`- ${step.id}: ${lastEntry(session, step.id)!.state} in an earlier attempt`);
      continue;
    }
    const stopped = await stopBefore(session, step);
    if (stopped) return stopped;
    if (!announced && step.kind === 'change') {
      announced = true;
      await notify(session, {
        kind: 'started',
        summary: `${request.kind} ${request.from}->${request.to}: ${steps.map((s) => s.id).join(', ')}`,
      });
    }
    const entry = await runStep(session, step);
    if (entry.state !== STEP_STATES.failed) continue;
    const outcome = await onFailure(session, step, entry);
    if (outcome) return outcome;
  }
  return finishSucceeded(session);
};

/**
 * Runs an operation under the lock of the target site's store, step by step, journaling each (start,
 * result, duration, output), and resuming an unfinished run of the same operation after its last verified
 * step. A step that fails before the point of no return rolls back the changes made so far, in reverse;
 * after it, the run stops and stays open for a resume. Never throws for a step failure: the report says
 * what happened. Throws when a lock is held, the request is invalid, or another operation is unfinished.
 */
export const executeOperation = async (
  topology: Topology,
  request: OperationRequest,
  deps: FailoverDeps,
): Promise<RunReport> => {
  const session = await openOrResume(topology, request, deps);
  try {
    return await drive(session);
  } finally {
    if (!session.handedOver) await releaseLock(session.ctx.deps.store, session.lock).catch(() => undefined);
  }
};
