import { isCheckOf, type Check, type CheckKind, type CheckValuesByKind } from '../health/index.js';
import { DOWN_ROLES } from './constants.js';
import type { DerivedValue, MetricsReport } from './types.js';

/** Small, total helpers the catalog's `derive` functions are written with; they read typed check values. */

type CheckFor<K extends CheckKind> = Extract<Check, { kind: K }>;

export const checksOf = <K extends CheckKind>(report: MetricsReport, kind: K): readonly CheckFor<K>[] =>
  report.checks.filter(isCheckOf(kind));

/** One figure from every check of a kind (null where the check did not measure it). */
export const valuesOf = <K extends CheckKind, V>(
  report: MetricsReport,
  kind: K,
  pick: (values: CheckValuesByKind[K]) => V,
): V[] => checksOf(report, kind).map((check) => pick(check.values as CheckValuesByKind[K]));

const measured = (values: readonly (number | null)[]): number[] =>
  values.filter((value): value is number => value !== null && Number.isFinite(value));

/** The largest measured figure; no datum when nothing was measured. */
export const maxOf = (values: readonly (number | null)[]): DerivedValue[] => {
  const present = measured(values);
  return present.length === 0 ? [] : [{ value: Math.max(...present) }];
};

/** The sum of the measured figures; no datum when nothing was measured. */
export const sumOf = (values: readonly (number | null)[]): DerivedValue[] => {
  const present = measured(values);
  return present.length === 0 ? [] : [{ value: present.reduce((sum, value) => sum + value, 0) }];
};

/** How many checks match; no datum when there are no checks of that kind at all (nothing was probed). */
export const countOf = <C extends Check>(
  checks: readonly C[],
  predicate: (check: C) => boolean,
): DerivedValue[] => (checks.length === 0 ? [] : [{ value: checks.filter(predicate).length }]);

export const always = (value: number): DerivedValue[] => [{ value }];

/** A figure of the ensemble's view (every ensemble check carries the same values); a boolean is 1 or 0. */
export const ensembleValue = (
  report: MetricsReport,
  pick: (values: CheckValuesByKind['coordination-ensemble']) => number | boolean | null,
): DerivedValue[] => {
  const [first] = valuesOf(report, 'coordination-ensemble', pick);
  if (first === undefined || first === null) return [];
  return [{ value: typeof first === 'boolean' ? Number(first) : first }];
};

/** Leaders the ensemble reports. */
export const leaderCount = (report: MetricsReport): DerivedValue[] =>
  ensembleValue(report, (values) => values.leaders.length);

/** Down: critical, unreachable or not serving. A node whose state is unknown is not counted as down. */
export const isNodeDown = (check: CheckFor<'coordination-node'>): boolean =>
  !check.values.inactive && (check.status === 'critical' || DOWN_ROLES.has(check.values.role));

/** A replica the cycle could not ask: marked unreachable by the probe. */
export const isReplicaUnreachable = (check: CheckFor<'replica-status'>): boolean => !check.values.reachable;

export const hasReadonlyTables = (check: CheckFor<'replica-status'>): boolean =>
  (check.values.readonlyTables ?? 0) > 0;

export const hasExpiredSession = (check: CheckFor<'replica-status'>): boolean =>
  (check.values.sessionExpiredTables ?? 0) > 0;

/** Heartbeat lag per source site (the check's subject); checks without a measured lag give no datum. */
export const lagPerSource = (report: MetricsReport): DerivedValue[] =>
  checksOf(report, 'heartbeat-lag').flatMap((check) =>
    check.values.lagSeconds === null ? [] : [{ value: check.values.lagSeconds, sourceSite: check.subject }],
  );
