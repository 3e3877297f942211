import type { Check, CheckKind } from '../health/index.js';
import { DOWN_ROLES, VALUE_KEYS } from './constants.js';
import type { DerivedValue, MetricsReport } from './types.js';

/** Small, total helpers the catalog's `derive` functions are written with. */

export const checksOf = (report: MetricsReport, kind: CheckKind): readonly Check[] =>
  report.checks.filter((check) => check.kind === kind);

/** A finite number from a check value (numbers, numeric strings and booleans), or undefined. */
export const numberOf = (value: Check['values'][string] | undefined): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
};

const numbers = (checks: readonly Check[], key: string): number[] =>
  checks.flatMap((check) => {
    const value = numberOf(check.values[key]);
    return value === undefined ? [] : [value];
  });

/** The largest value of `key` over the checks; no datum when no check carries it. */
export const maxOf = (checks: readonly Check[], key: string): DerivedValue[] => {
  const values = numbers(checks, key);
  return values.length === 0 ? [] : [{ value: Math.max(...values) }];
};

/** The sum of `key` over the checks; no datum when no check carries it. */
export const sumOf = (checks: readonly Check[], key: string): DerivedValue[] => {
  const values = numbers(checks, key);
  return values.length === 0 ? [] : [{ value: values.reduce((sum, value) => sum + value, 0) }];
};

/** How many checks match; no datum when there are no checks of that kind at all (nothing was probed). */
export const countOf = (checks: readonly Check[], predicate: (check: Check) => boolean): DerivedValue[] =>
  checks.length === 0 ? [] : [{ value: checks.filter(predicate).length }];

export const always = (value: number): DerivedValue[] => [{ value }];

/** The ensemble's view, from the first coordination-ensemble check that carries the key. */
export const ensembleValue = (report: MetricsReport, key: string): DerivedValue[] => {
  for (const check of checksOf(report, 'coordination-ensemble')) {
    const value = numberOf(check.values[key]);
    if (value !== undefined) return [{ value }];
  }
  return [];
};

/** Leaders the ensemble reports: the `leader` value lists their names, comma-separated, or is null. */
export const leaderCount = (report: MetricsReport): DerivedValue[] => {
  const checks = checksOf(report, 'coordination-ensemble').filter(
    (check) => VALUE_KEYS.leader in check.values,
  );
  if (checks.length === 0) return [];
  const leader = checks[0]!.values[VALUE_KEYS.leader];
  const names = typeof leader === 'string' ? leader.split(',').filter((name) => name.trim() !== '') : [];
  return [{ value: names.length }];
};

export const isNodeDown = (check: Check): boolean =>
  check.status === 'critical' || DOWN_ROLES.has(String(check.values[VALUE_KEYS.role]));

/** A replica the cycle could not ask: marked unreachable by the probe. */
export const isReplicaUnreachable = (check: Check): boolean => check.values[VALUE_KEYS.reachable] === false;

export const hasReadonlyTables = (check: Check): boolean =>
  (numberOf(check.values[VALUE_KEYS.readonlyTables]) ?? 0) > 0;

export const hasExpiredSession = (check: Check): boolean =>
  (numberOf(check.values[VALUE_KEYS.sessionExpiredTables]) ?? 0) > 0;

/** Heartbeat lag per source site (the check's subject); checks without a measured lag give no datum. */
export const lagPerSource = (report: MetricsReport): DerivedValue[] =>
  checksOf(report, 'heartbeat-lag').flatMap((check) => {
    const value = numberOf(check.values[VALUE_KEYS.lagSeconds]);
    return value === undefined ? [] : [{ value, sourceSite: check.subject }];
  });
