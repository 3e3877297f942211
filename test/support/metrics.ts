import {
  GetMetricDataCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { PublishedDatum } from '../../lib/metrics/index.js';

/**
 * Reading metrics back from CloudWatch (moto) the way an alarm or a person would: GetMetricData per series.
 * A series is a metric name with its exact dimensions.
 */

export interface Series {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
}

export const seriesKey = (series: Series): string =>
  `${series.MetricName} ${series.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}`;

export interface SeriesStats {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

/** What CloudWatch should hold for the given datums, per series. */
export const expectedStats = (data: readonly PublishedDatum[]): Map<string, SeriesStats> => {
  const stats = new Map<string, SeriesStats>();
  for (const datum of data) {
    const key = seriesKey(datum);
    const seen = stats.get(key);
    stats.set(
      key,
      seen
        ? {
            sampleCount: seen.sampleCount + 1,
            sum: seen.sum + datum.Value,
            minimum: Math.min(seen.minimum, datum.Value),
            maximum: Math.max(seen.maximum, datum.Value),
          }
        : { sampleCount: 1, sum: datum.Value, minimum: datum.Value, maximum: datum.Value },
    );
  }
  return stats;
};

const STATS = { sampleCount: 'SampleCount', sum: 'Sum', minimum: 'Minimum', maximum: 'Maximum' } as const;
/** GetMetricData takes at most 500 queries per request. */
const QUERIES_PER_REQUEST = 500;

/**
 * Every series' SampleCount, Sum, Minimum and Maximum between `from` and `to`, each read with
 * GetMetricData as one period covering the whole window (undefined: no data).
 */
export const readBackStats = async (
  cloudWatch: CloudWatchClient,
  namespace: string,
  series: readonly Series[],
  window: { from: Date; to: Date },
): Promise<Map<string, SeriesStats | undefined>> => {
  const period = Math.ceil((window.to.getTime() - window.from.getTime()) / 60_000) * 60;
  const queries: (MetricDataQuery & { key: string; stat: keyof SeriesStats })[] = series.flatMap((s, i) =>
    Object.entries(STATS).map(([stat, name]) => ({
      key: seriesKey(s),
      stat: stat as keyof SeriesStats,
      Id: `s${i}_${stat}`.toLowerCase(),
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: s.MetricName, Dimensions: s.Dimensions },
        Period: period,
        Stat: name,
      },
    })),
  );
  const values = new Map<string, number[]>();
  for (let start = 0; start < queries.length; start += QUERIES_PER_REQUEST) {
    const batch = queries.slice(start, start + QUERIES_PER_REQUEST);
    const out = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: window.from,
        EndTime: window.to,
        MetricDataQueries: batch.map(({ Id, MetricStat }) => ({ Id, MetricStat })),
      }),
    );
    for (const result of out.MetricDataResults ?? []) values.set(result.Id!, result.Values ?? []);
  }
  const stats = new Map<string, SeriesStats | undefined>();
  for (const s of series) {
    const key = seriesKey(s);
    const of = (stat: keyof SeriesStats) =>
      values.get(queries.find((q) => q.key === key && q.stat === stat)!.Id!) ?? [];
    const count = of('sampleCount');
    stats.set(
      key,
      count.length === 0
        ? undefined
        : {
            sampleCount: count.reduce((a, b) => a + b, 0),
            sum: of('sum').reduce((a, b) => a + b, 0),
            minimum: Math.min(...of('minimum')),
            maximum: Math.max(...of('maximum')),
          },
    );
  }
  return stats;
};

/** Every series CloudWatch lists in the namespace (ListMetrics, all pages), each once, sorted. */
export const listedSeries = async (cloudWatch: CloudWatchClient, namespace: string): Promise<string[]> => {
  const keys: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudWatch.send(new ListMetricsCommand({ Namespace: namespace, NextToken }));
    for (const metric of page.Metrics ?? [])
      keys.push(
        seriesKey({
          MetricName: metric.MetricName!,
          Dimensions: (metric.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! })),
        }),
      );
    NextToken = page.NextToken;
  } while (NextToken);
  return [...new Set(keys)].sort();
};
