import { OVERRIDES } from '../constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import type { OperationRequest, StepContext } from '../types.js';

export type OverrideName = keyof typeof OVERRIDES;

/** Why a step will not go on, with the one override that lets it (null: none). */
export interface Refusal {
  problem: string;
  override: OverrideName | null;
}

/** An override the operator gave, as the journal keeps it: which, who, their words, and what it passed. */
export interface OverrideUse {
  override: OverrideName;
  flag: string;
  by: string;
  words?: string;
  problem: string;
}

const given = (request: OperationRequest, name: OverrideName): boolean => {
  const value = request[name];
  return typeof value === 'string' ? value.trim().length > 0 : value === true;
};

const hint = (refusal: Refusal): string =>
  refusal.override === null ? '(no override)' : `(${OVERRIDES[refusal.override]} overrides)`;

/**
 * Throws one refusal naming every problem and its own override when any problem is not overridden;
 * otherwise returns the overrides used, for the journal.
 */
export const judgeRefusals = (ctx: StepContext, refusals: readonly Refusal[]): OverrideUse[] => {
  const blocking = refusals.filter((r) => r.override === null || !given(ctx.request, r.override));
  if (blocking.length > 0) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.refused,
      `refused (nothing changed): ${blocking.map((r) => `${r.problem} ${hint(r)}`).join('; ')}`,
    );
  }
  return refusals.map((r) => {
    const override = r.override!;
    const words = ctx.request[override];
    return {
      override,
      flag: OVERRIDES[override],
      by: ctx.request.startedBy ?? 'unknown',
      ...(typeof words === 'string' ? { words } : {}),
      problem: r.problem,
    };
  });
};

export const describeOverride = (use: OverrideUse): string =>
  `overridden with ${use.flag.split(' ')[0]} by ${use.by}${use.words ? ` ("${use.words}")` : ''}: ${use.problem}`;
