import type { StateStore } from '../state/index.js';
import { listRuns } from './journal.js';
import type { MeasuredLoss } from './divergence.js';
import type { RunRecord } from './types.js';

export const history = (store: StateStore): Promise<RunRecord[]> => listRuns(store);

const seconds = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : `${value} s`;

/** Recover runs: the loss measured when the old primary came back, beside the failover's estimate. */
const lossLines = (run: RunRecord): string[] => {
  const loss = run.measuredLoss ?? (run.facts['measuredLoss'] as MeasuredLoss | undefined);
  if (!loss) return [];
  const estimate = run.facts['lossEstimate'] as
    { runId: string; rpoSeconds: number | null; rpoBasis: string | null } | null | undefined;
  return [
    `  measured loss: ${loss.rows} rows in ${loss.parts} parts only the old primary had` +
      `${loss.tables.length > 0 ? ` (${loss.tables.join(', ')})` : ''}, ${loss.divergentRows} of them unknown to the new ensemble`,
    `  estimated at failover: ${estimate ? `RPO ${seconds(estimate.rpoSeconds)}${estimate.rpoBasis ? ` (${estimate.rpoBasis})` : ''}, run ${estimate.runId}` : 'no failover run in the journal'}`,
  ];
};

/** `chdr history`: one block per run, with each step's duration. */
export const formatHistory = (runs: readonly RunRecord[]): string => {
  if (runs.length === 0) return 'No failover operations in the journal.';
  return runs
    .map((run) =>
      [
        `${run.startedAt}  ${run.kind} ${run.from}->${run.to}  ${run.result}  by ${run.startedBy}  run ${run.runId}`,
        `  ended ${run.endedAt ?? '(open)'}  attempts ${run.attempts}  RPO ${seconds(run.rpoSeconds)}  RTO ${seconds(run.rtoSeconds)}`,
        ...lossLines(run),
        ...(run.message ? [`  ${run.message}`] : []),
        ...run.steps.map(
          (step) =>
            `    ${step.stepId.padEnd(28)} ${step.state.padEnd(15)} ${((step.durationMs ?? 0) / 1000).toFixed(1).padStart(6)} s${step.error ? `  ${step.error.message}` : ''}`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
};
