import { describeError } from '../errors/index.js';
import { STEP_STATES } from './constants.js';
import { outputExcerpt } from './journal.js';
import type { FailoverStep, JournalEntry, RunRecord, StepContext } from './types.js';

export interface RollbackResult {
  /** Every change was undone: the cluster is as it was. */
  complete: boolean;
  /** One line per step that could not be undone. */
  problems: string[];
}

/** How many steps a rollback of the run would undo now. */
export const pendingUndos = (record: RunRecord, steps: readonly FailoverStep[]): number =>
  undoables(record, steps).length;

export const describeRollback = (result: RollbackResult): string =>
  result.complete
    ? 'rolled back: the cluster is as it was'
    : `rollback incomplete: ${result.problems.join('; ')}`;

interface Undoable {
  step: FailoverStep;
  entry: JournalEntry;
}

/** `started`: a step an earlier attempt was killed in the middle of; its undo record is the last checkpoint. */
const UNDONE_YET: readonly string[] = [
  STEP_STATES.started,
  STEP_STATES.verified,
  STEP_STATES.failed,
  STEP_STATES.rollbackFailed,
];

/**
 * The change steps to undo: every attempt's verified, failed or interrupted changes of this run (and undos that failed,
 * tried again), in the order they ran. An interrupted rollback resumes with what it had not undone yet.
 */
const undoables = (record: RunRecord, steps: readonly FailoverStep[]): Undoable[] =>
  record.steps
    .filter((entry) => entry.kind === 'change' && UNDONE_YET.includes(entry.state))
    .flatMap((entry) => {
      const step = steps.find((s) => s.id === entry.stepId);
      return step ? [{ step, entry }] : [];
    });

const undoOne = async (
  ctx: StepContext,
  { step, entry }: Undoable,
  log: (line: string) => void,
): Promise<string | null> => {
  if (!step.undo) return `${step.id} cannot be undone`;
  const startedAt = ctx.deps.clock.now();
  ctx.deadline = startedAt + ctx.settings.stepTimeoutSeconds * 1000;
  const notes: string[] = [];
  ctx.note = (line) => notes.push(line);
  log(`< undo ${step.id}`);
  let problem: string | null = null;
  try {
    await step.undo(ctx, entry.undo ?? {});
    entry.state = STEP_STATES.rolledBack;
  } catch (error) {
    entry.state = STEP_STATES.rollbackFailed;
    problem = `${step.id}: ${describeError(error)}`;
  }
  entry.output = [
    entry.output,
    outputExcerpt([`rollback (${ctx.deps.clock.now() - startedAt} ms):`, ...notes]),
  ]
    .filter(Boolean)
    .join('\n');
  return problem;
};

/**
 * Undoes the run's change steps, newest first (a resumed run that fails rolls back earlier attempts'
 * changes too), then the parts steps deferred until everything else was undone (e.g. restarting a replica
 * once the ensemble its restored config points at runs again).
 */
export const rollback = async (
  ctx: StepContext,
  record: RunRecord,
  steps: readonly FailoverStep[],
  log: (line: string) => void,
): Promise<RollbackResult> => {
  const problems: string[] = [];
  const deferred: { step: string; action: () => Promise<void> }[] = [];
  let current = '';
  ctx.defer = async (action) => void deferred.push({ step: current, action });
  for (const undoable of undoables(record, steps).reverse()) {
    current = undoable.step.id;
    const problem = await undoOne(ctx, undoable, log);
    if (problem) problems.push(problem);
  }
  for (const { step, action } of deferred) {
    ctx.deadline = ctx.deps.clock.now() + ctx.settings.stepTimeoutSeconds * 1000;
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
  return { complete: problems.length === 0, problems };
};
