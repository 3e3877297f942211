import { DIMENSIONS } from './constants.js';
import { METRIC_CATALOG, metricDefinition, type MetricCatalog } from './catalog.js';
import type { DimensionName, MetricDefinition, MetricsReport, PublishedDatum } from './types.js';

/** When the report's cycle finished: `finishedAt`, else `startedAt + durationMs`. */
export const reportTime = (report: MetricsReport): Date =>
  report.finishedAt !== undefined
    ? new Date(report.finishedAt)
    : new Date(new Date(report.startedAt).getTime() + report.durationMs);

const dimensionsFor = (
  definition: MetricDefinition,
  values: { cluster: string; site: string; sourceSite?: string },
): PublishedDatum['Dimensions'] | undefined => {
  const byName: Record<DimensionName, string | undefined> = {
    [DIMENSIONS.cluster]: values.cluster,
    [DIMENSIONS.site]: values.site,
    [DIMENSIONS.sourceSite]: values.sourceSite,
  };
  const dimensions = definition.dimensions.map((name) => ({ Name: name, Value: byName[name] }));
  // A datum without one of its declared dimensions would be a different time series: drop it.
  if (dimensions.some((dimension) => dimension.Value === undefined || dimension.Value === ''))
    return undefined;
  return dimensions as { Name: string; Value: string }[];
};

/**
 * The datums one report publishes: every catalog metric whose checks are present, with the catalog's
 * dimensions, unit and the cycle's finish time. Metrics whose inputs are absent (no coordination nodes
 * probed, lag not measured) publish nothing rather than a misleading zero.
 */
export const metricDataFromReport = (
  report: MetricsReport,
  catalog: MetricCatalog = METRIC_CATALOG,
): PublishedDatum[] => {
  const timestamp = reportTime(report);
  return catalog.flatMap((definition) =>
    definition.derive(report).flatMap(({ value, sourceSite }) => {
      const dimensions = dimensionsFor(definition, {
        cluster: report.cluster,
        site: report.site,
        sourceSite,
      });
      if (!dimensions || !Number.isFinite(value)) return [];
      return [
        {
          MetricName: definition.name,
          Dimensions: dimensions,
          Unit: definition.unit,
          Value: value,
          Timestamp: timestamp,
        },
      ];
    }),
  );
};

/** What the handler publishes when the cycle threw: one AgentErrors datum (and no CycleRan, so the dead man's switch still counts). */
export const agentErrorData = (
  where: { cluster: string; site: string; at: Date },
  catalog: MetricCatalog = METRIC_CATALOG,
): PublishedDatum[] => {
  const definition = metricDefinition('AgentErrors', catalog);
  const dimensions = dimensionsFor(definition, where)!;
  return [
    {
      MetricName: definition.name,
      Dimensions: dimensions,
      Unit: definition.unit,
      Value: 1,
      Timestamp: where.at,
    },
  ];
};
