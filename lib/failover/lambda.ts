import * as z from 'zod';
import type { Topology } from '../config/index.js';
import { OPERATION_KINDS } from './constants.js';
import { executeOperation, formatPlan, planOperation } from './engine.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { ClusterRoles } from '../roles/index.js';
import { listAllRuns } from './authority.js';
import { describeRoles, readLiveRoles } from './live-roles.js';
import { confirmationFor } from './operations.js';
import type { Continuation, FailoverDeps, PlanReport, RunRecord, RunResult } from './types.js';

/** The failover function's event. Without the exact `confirm` string an operation is only planned. */
export const failoverEventSchema = z.strictObject({
  action: z.enum(['plan', 'history', ...OPERATION_KINDS]),
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  /** e.g. `FAILOVER primary->standby`; anything else only plans. */
  confirm: z.string().optional(),
  /** One named override per refusal (see OVERRIDES); the strings are the operator's own words, journaled. */
  acceptDataLoss: z.boolean().optional(),
  fenceUnconfirmed: z.string().trim().min(1).optional(),
  confirmRegionLost: z.string().trim().min(1).optional(),
  acceptRunningInserts: z.boolean().optional(),
  abandonOpenRun: z.boolean().optional(),
  expectPrimary: z.string().min(1).optional(),
  ackRecent: z.boolean().optional(),
  /** Plans this operation kind when `action` is `plan` (default failover). */
  kind: z.enum(OPERATION_KINDS).optional(),
  /** Set only in the event the function sends itself to continue a run in a fresh invocation. */
  continueRun: z.strictObject({ runId: z.string().min(1), token: z.string().min(1) }).optional(),
});

export type FailoverLambdaEvent = z.input<typeof failoverEventSchema>;

/** What the function knows of its own invocation: time left, and how to start a fresh one. */
export interface FailoverInvocation {
  remainingMs(): number;
  /** Sends `event` to this same function asynchronously (a new invocation with its own 15 minutes). */
  invokeSelf(event: FailoverLambdaEvent): Promise<void>;
}

export type FailoverLambdaResult =
  | { mode: 'plan'; message: string; plan: PlanReport; planText: string }
  | {
      mode: 'executed';
      message: string;
      runId: string;
      result: RunResult;
      journalKey: string;
      record: RunRecord;
    }
  | { mode: 'history'; message: string; runs: RunRecord[]; roles: ClusterRoles };

/**
 * The failover Lambda's logic, pure of middy: validates the event, returns the plan unless the event
 * carries the exact confirmation string, and otherwise runs the operation. `startedBy` is the caller's
 * IAM principal (from the invocation context), recorded in the journal.
 */
export const handleFailoverEvent = async (
  event: unknown,
  deps: { topology: Topology; failover: FailoverDeps; startedBy?: string; invocation?: FailoverInvocation },
): Promise<FailoverLambdaResult> => {
  const parsed = failoverEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.badRequest,
      `bad failover event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`,
    );
  }
  const input = parsed.data;
  if (input.action === 'history') {
    const { runs, unreadable } = await listAllRuns(
      deps.failover,
      deps.topology.sites.map((site) => site.name),
    );
    const missing = unreadable.map((u) => `; ${u.site}'s journal unreadable (${u.reason})`).join('');
    const roles = await readLiveRoles(deps.failover, deps.topology);
    return {
      mode: 'history',
      message: `${describeRoles(roles)}; ${runs.length} runs in the journal${missing}`,
      runs,
      roles,
    };
  }
  if (!input.from || !input.to)
    throw new FailoverError(FAILOVER_ERROR_CODES.badRequest, 'give "from" and "to" sites');
  const kind = input.action === 'plan' ? (input.kind ?? 'failover') : input.action;
  const request = {
    kind,
    from: input.from,
    to: input.to,
    ...(input.acceptDataLoss ? { acceptDataLoss: true } : {}),
    ...(input.fenceUnconfirmed ? { fenceUnconfirmed: input.fenceUnconfirmed } : {}),
    ...(input.confirmRegionLost ? { confirmRegionLost: input.confirmRegionLost } : {}),
    ...(input.acceptRunningInserts ? { acceptRunningInserts: true } : {}),
    ...(input.abandonOpenRun ? { abandonOpenRun: true } : {}),
    ...(input.expectPrimary ? { expectPrimary: input.expectPrimary } : {}),
    ...(input.ackRecent ? { ackRecent: true } : {}),
    ...(input.abandonOpenRun ? { abandonOpenRun: true } : {}),
    ...(input.continueRun ? { continues: input.continueRun } : {}),
    ...(deps.startedBy ? { startedBy: deps.startedBy } : {}),
  };
  const expected = confirmationFor(request);
  if (input.action === 'plan' || input.confirm !== expected) {
    const plan = await planOperation(deps.topology, request, deps.failover);
    const message =
      input.action === 'plan' || input.confirm === undefined
        ? `plan only; to execute send confirm: "${expected}"`
        : `confirmation "${input.confirm}" does not match "${expected}": plan only, nothing changed`;
    return { mode: 'plan', message, plan, planText: formatPlan(plan) };
  }
  const invocation = deps.invocation;
  const report = await executeOperation(deps.topology, request, {
    ...deps.failover,
    ...(deps.startedBy && !deps.failover.holder ? { holder: deps.startedBy } : {}),
    // A continuation never abandons anything: the run it continues is the open one.
    ...(invocation
      ? {
          remainingMs: () => invocation.remainingMs(),
          continueRun: (continuation: Continuation) =>
            invocation.invokeSelf({ ...input, abandonOpenRun: undefined, continueRun: continuation }),
        }
      : {}),
  });
  return {
    mode: 'executed',
    message: report.message,
    runId: report.runId,
    result: report.result,
    journalKey: report.journalKey,
    record: report.record,
  };
};
