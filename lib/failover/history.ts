import type { StateStore } from '../state/index.js';
import { listRuns } from './journal.js';
import type { RunRecord } from './types.js';

export const history = (store: StateStore): Promise<RunRecord[]> => listRuns(store);

const seconds = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : `${value} s`;

/** `chdr history`: one block per run, with each step's duration. */
export const formatHistory = (runs: readonly RunRecord[]): string => {
  if (runs.length === 0) return 'No failover operations in the journal.';
  return runs
    .map((run) =>
      [
        `${run.startedAt}  ${run.kind} ${run.from}->${run.to}  ${run.result}  by ${run.startedBy}  run ${run.runId}`,
        `  ended ${run.endedAt ?? '(open)'}  attempts ${run.attempts}  RPO ${seconds(run.rpoSeconds)}  RTO ${seconds(run.rtoSeconds)}`,
        ...(run.message ? [`  ${run.message}`] : []),
        ...run.steps.map(
          (step) =>
            `    ${step.stepId.padEnd(28)} ${step.state.padEnd(15)} ${((step.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s${step.error ? `  ${step.error.message}` : ''}`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
};
