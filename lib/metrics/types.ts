import type { MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { Thresholds } from '../config/index.js';
import type { Check } from '../health/index.js';
import type { DIMENSIONS } from './constants.js';

export type DimensionName = (typeof DIMENSIONS)[keyof typeof DIMENSIONS];

/**
 * The part of a cycle's HealthReport that metrics are derived from; a `HealthReport` fits. `finishedAt`
 * defaults to `startedAt + durationMs`.
 */
export interface MetricsReport {
  cluster: string;
  site: string;
  startedAt: string;
  finishedAt?: string;
  durationMs: number;
  checks: readonly Check[];
}

/** One value of one time series. Cluster and Site come from the report; `sourceSite` for per-source metrics. */
export interface DerivedValue {
  value: number;
  sourceSite?: string;
}

export type AlarmStatistic = 'Maximum' | 'Minimum' | 'Sum' | 'Average';
export type AlarmComparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** The alarm that watches a catalog metric; one alarm per time series the site publishes. */
export interface AlarmSpec {
  statistic: AlarmStatistic;
  comparison: AlarmComparison;
  /** A number, or taken from the topology's thresholds so that alarms and check verdicts agree. */
  threshold: number | ((thresholds: Thresholds) => number);
  /** How long the condition must hold, in seconds; rounded up to whole periods (at least one). */
  forSeconds: number;
  treatMissingData: TreatMissingData;
  /** Why this threshold: shown in the docs next to the alarm. */
  reason: string;
}

export interface MetricDefinition {
  name: string;
  unit: StandardUnit;
  dimensions: readonly DimensionName[];
  description: string;
  /** How the value comes from a report, in words (docs/metrics.md shows it). */
  derivation: string;
  /** Anchor of the runbook section in docs/metrics.md that says what to do. */
  runbook: string;
  derive: (report: MetricsReport) => readonly DerivedValue[];
  alarm?: AlarmSpec;
}

/** What is published: the SDK's datum, with name, dimensions and value always set. */
export type PublishedDatum = Omit<MetricDatum, 'MetricName' | 'Dimensions' | 'Value'> & {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
};

/** One alarm for one concrete time series, independent of how it is deployed (CloudFormation or the API). */
export interface AlarmInstance {
  /** CloudFormation logical id: letters and digits only. */
  logicalId: string;
  /**
   * A dead-agent alarm (the agent stopped or fails): the one thing the agent cannot page itself, so it
   * notifies the pages topic. Every other alarm watches what the agent already pages per incident and
   * notifies its own alarms topic, so that nothing is said twice to the people on call.
   */
  backstop: boolean;
  alarmName: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: { Name: DimensionName; Value: string }[];
  statistic: AlarmStatistic;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: AlarmComparison;
  treatMissingData: TreatMissingData;
}
