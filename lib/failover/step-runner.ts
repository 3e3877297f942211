import { setTimeout as delay } from 'node:timers/promises';
import { STEP_CANCEL_WAIT_MS, STEP_GRACE_MS } from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { FailoverStep, StepContext, StepOutput } from './types.js';

/** A step's own timeout (run + verify), from the step or the config. */
export const stepTimeoutMs = (step: FailoverStep, ctx: Pick<StepContext, 'settings'>): number =>
  step.timeoutMs ?? ctx.settings.stepTimeoutSeconds * 1000;

/** A failing `isDone` counts as not done: the step runs and finds out. */
export const alreadyDone = async (step: FailoverStep, ctx: StepContext): Promise<boolean> =>
  step.isDone ? step.isDone(ctx).catch(() => false) : false;

/** An abort signal of the step's own, aborted with the run's signal too. */
const stepSignal = (outer: AbortSignal | undefined) => {
  const controller = new AbortController();
  const follow = () => controller.abort(outer?.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener('abort', follow, { once: true });
  return { controller, dispose: () => outer?.removeEventListener('abort', follow) };
};

/**
 * Runs a step's `run` then `verify` under its timeout (plus a grace, since its waits end at its deadline).
 * On timeout the step's signal is aborted, which kills local process trees and cancels SSM commands, and
 * the engine waits for the step to stop before anything else (a rollback) runs beside it.
 */
export const runStepWithin = async (
  step: FailoverStep,
  ctx: StepContext,
  timeoutMs: number,
): Promise<StepOutput> => {
  const saved = ctx.deps;
  const { controller, dispose } = stepSignal(saved.signal);
  ctx.deps = { ...saved, signal: controller.signal };
  const work = (async () => {
    const output = await step.run(ctx);
    await step.verify(ctx);
    return output;
  })();
  // Settled later than the race when it times out: its rejection is expected, not unhandled.
  const settled = work.then(
    () => true,
    () => true,
  );
  const timer = new AbortController();
  try {
    const outcome = await Promise.race([
      work.then((output) => ({ output })),
      delay(timeoutMs + STEP_GRACE_MS, 'timeout' as const, { signal: timer.signal }),
    ]);
    if (outcome !== 'timeout') return outcome.output;
    controller.abort(new FailoverError(FAILOVER_ERROR_CODES.timeout, `${step.id} timed out`));
    const stopped = await Promise.race([settled, delay(STEP_CANCEL_WAIT_MS, false)]);
    throw new FailoverError(
      FAILOVER_ERROR_CODES.timeout,
      `${step.id} ran past its timeout (${Math.round(timeoutMs / 1000)} s) and was cancelled` +
        (stopped ? '' : `; it had not stopped ${STEP_CANCEL_WAIT_MS / 1000} s after the cancel`),
    );
  } finally {
    timer.abort();
    dispose();
    ctx.deps = saved;
  }
};
