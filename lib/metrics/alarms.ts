import type { Topology } from '../config/index.js';
import { DIMENSIONS } from './constants.js';
import { METRIC_CATALOG, RUNBOOK, type MetricCatalog } from './catalog.js';
import { deployedPeriodSeconds } from './schedule.js';
import type { AlarmComparison, AlarmInstance, DimensionName, MetricDefinition } from './types.js';

/** CloudWatch allows an alarm to look back at most one day. */
const MAX_EVALUATION_SECONDS = 86_400;
const MAX_DESCRIPTION_CHARS = 1024;
/** Where alarm descriptions and pages point for the runbook; override with a URL of the published docs. */
export const DEFAULT_RUNBOOK_BASE = 'docs/metrics.md';

const COMPARISON_WORDS: Record<AlarmComparison, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** The sites whose heartbeat a site measures: every other site of the topology. */
export const sourceSitesOf = (topology: Topology, site: string): string[] =>
  topology.sites.filter((candidate) => candidate.name !== site).map((candidate) => candidate.name);

/** Every combination of dimension values one site publishes for a metric. */
export const seriesOf = (
  definition: MetricDefinition,
  topology: Topology,
  site: string,
): { Name: DimensionName; Value: string }[][] => {
  const base = {
    [DIMENSIONS.cluster]: [topology.cluster],
    [DIMENSIONS.site]: [site],
    [DIMENSIONS.sourceSite]: sourceSitesOf(topology, site),
  };
  return definition.dimensions.reduce<{ Name: DimensionName; Value: string }[][]>(
    (combinations, name) =>
      combinations.flatMap((prefix) => base[name].map((value) => [...prefix, { Name: name, Value: value }])),
    [[]],
  );
};

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

export interface AlarmOptions {
  catalog?: MetricCatalog;
  runbookBase?: string;
}

/**
 * The alarms one site's deployment creates: one per alarmed catalog metric and time series, with the period
 * of the topology's schedule and thresholds from its `thresholds` section.
 */
export const alarmInstances = (
  topology: Topology,
  site: string,
  options: AlarmOptions = {},
): AlarmInstance[] => {
  const catalog: MetricCatalog = options.catalog ?? METRIC_CATALOG;
  const runbookBase = options.runbookBase ?? DEFAULT_RUNBOOK_BASE;
  const periodSeconds = deployedPeriodSeconds(topology);
  const namespace = topology.metrics.namespace;
  const seen = new Set<string>();
  return catalog.flatMap((definition) => {
    const alarm = definition.alarm;
    if (!alarm) return [];
    const threshold =
      typeof alarm.threshold === 'function' ? alarm.threshold(topology.thresholds) : alarm.threshold;
    const evaluationPeriods = Math.min(
      Math.max(1, Math.ceil(alarm.forSeconds / periodSeconds)),
      Math.floor(MAX_EVALUATION_SECONDS / periodSeconds),
    );
    return seriesOf(definition, topology, site).map((dimensions) => {
      const source = dimensions.find((dimension) => dimension.Name === DIMENSIONS.sourceSite)?.Value;
      let logicalId = `Alarm${definition.name}${source ? `From${pascal(source)}` : ''}`;
      for (let n = 2; seen.has(logicalId); n += 1) logicalId = `${logicalId}${n}`;
      seen.add(logicalId);
      const condition = `${alarm.statistic} ${COMPARISON_WORDS[alarm.comparison]} ${threshold} for ${evaluationPeriods} x ${periodSeconds}s`;
      const description =
        `${definition.description}${source ? ` (from ${source})` : ''}: ${condition}. ${alarm.reason}. ` +
        `Runbook: ${runbookBase}#${definition.runbook}`;
      return {
        logicalId,
        backstop: definition.runbook === RUNBOOK.agent,
        alarmName: `chdr ${topology.cluster}/${site} ${definition.name}${source ? ` from ${source}` : ''}`,
        description: description.slice(0, MAX_DESCRIPTION_CHARS),
        namespace,
        metricName: definition.name,
        dimensions,
        statistic: alarm.statistic,
        periodSeconds,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        threshold,
        comparison: alarm.comparison,
        treatMissingData: alarm.treatMissingData,
      };
    });
  });
};

/** Where alarms notify: the dead-agent backstop to the pages topic, the rest to their own topic. */
export interface AlarmTopics {
  backstop: unknown;
  others: unknown;
}

/**
 * CloudFormation resources for the alarms; every state change notifies the backstop topic (e.g.
 * `{ Ref: 'PagesTopic' }`) for the dead-agent alarms and the others topic (`{ Ref: 'AlarmsTopic' }`) for the rest.
 */
export const alarmResources = (
  alarms: readonly AlarmInstance[],
  topics: AlarmTopics,
): Record<string, unknown> =>
  Object.fromEntries(
    alarms.map((alarm) => [
      alarm.logicalId,
      {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: alarm.alarmName,
          AlarmDescription: alarm.description,
          Namespace: alarm.namespace,
          MetricName: alarm.metricName,
          Dimensions: alarm.dimensions,
          Statistic: alarm.statistic,
          Period: alarm.periodSeconds,
          EvaluationPeriods: alarm.evaluationPeriods,
          DatapointsToAlarm: alarm.datapointsToAlarm,
          Threshold: alarm.threshold,
          ComparisonOperator: alarm.comparison,
          TreatMissingData: alarm.treatMissingData,
          AlarmActions: [alarm.backstop ? topics.backstop : topics.others],
          OKActions: [alarm.backstop ? topics.backstop : topics.others],
        },
      },
    ]),
  );
