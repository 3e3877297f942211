import type { Topology } from '../config/index.js';
import { HOURS_PER_MONTH, LAMBDA_MB_PER_VCPU, LAMBDA_PRICES_USD, PRICES_USD } from './constants.js';
import { METRIC_CATALOG, type MetricCatalog } from './catalog.js';
import { alarmInstances, seriesOf } from './alarms.js';
import { schedulePeriodSeconds } from './schedule.js';

/** One warm monitor cycle as `npm run bench` measured it, and the function's size from serverless.yml. */
export interface LambdaCycleProfile {
  memoryMb: number;
  architecture: keyof typeof LAMBDA_PRICES_USD.gbSecond;
  /** CPU time (user + system) of one cycle. */
  cycleCpuMs: number;
  /** Wall time of one cycle where the bench ran (on loopback: cross-region round trips add to it). */
  cycleWallMs: number;
}

/** What one site's monitor function costs per month: one invocation per cycle. */
export interface LambdaCost {
  invocationsPerMonth: number;
  billedMsPerCycle: number;
  gbSecondsPerMonth: number;
  usd: { requests: number; compute: number; total: number };
}

/** What one site's deployment (one region) costs per month in CloudWatch (and Lambda), from the catalog. */
export interface SiteCost {
  site: string;
  region: string;
  /** Distinct custom metrics (name + dimensions) this site publishes. */
  series: number;
  alarms: number;
  putMetricDataPerMonth: number;
  dashboards: number;
  usd: {
    metrics: number;
    requests: number;
    alarms: number;
    dashboards: number;
    lambda: number;
    total: number;
  };
}

const cents = (value: number): number => Math.round(value * 100) / 100;

const cyclesPerMonth = (topology: Topology): number =>
  (HOURS_PER_MONTH * 3600) / schedulePeriodSeconds(topology.schedule);

export const lambdaCost = (topology: Topology, profile: LambdaCycleProfile): LambdaCost => {
  const invocationsPerMonth = Math.round(cyclesPerMonth(topology));
  // Below a full vCPU the cycle's CPU work stretches by the missing share; its waits on the network do not.
  const stretch = Math.max(0, LAMBDA_MB_PER_VCPU / profile.memoryMb - 1);
  const billedMsPerCycle = Math.ceil(profile.cycleWallMs + profile.cycleCpuMs * stretch);
  const gbSecondsPerMonth = (invocationsPerMonth * billedMsPerCycle * profile.memoryMb) / 1000 / 1024;
  const requests = (invocationsPerMonth / 1_000_000) * LAMBDA_PRICES_USD.requestsPerMillion;
  const compute = gbSecondsPerMonth * LAMBDA_PRICES_USD.gbSecond[profile.architecture];
  return {
    invocationsPerMonth,
    billedMsPerCycle,
    gbSecondsPerMonth: Math.round(gbSecondsPerMonth),
    usd: { requests: cents(requests), compute: cents(compute), total: cents(requests + compute) },
  };
};

/**
 * One dashboard shows both regions (its widgets name their region); the standby's stack holds it, since it
 * is needed most when the primary region is lost.
 */
export const dashboardSite = (topology: Topology): string =>
  (topology.sites.find((site) => site.role !== 'primary') ?? topology.sites[0]!).name;

export const costModel = (
  topology: Topology,
  options: { catalog?: MetricCatalog; lambda?: LambdaCycleProfile } = {},
): { sites: SiteCost[]; totalUsd: number } => {
  const catalog: MetricCatalog = options.catalog ?? METRIC_CATALOG;
  const lambda = options.lambda ? lambdaCost(topology, options.lambda).usd.total : 0;
  const sites = topology.sites.map((site): SiteCost => {
    const series = catalog.reduce(
      (sum, definition) => sum + seriesOf(definition, topology, site.name).length,
      0,
    );
    const alarms = alarmInstances(topology, site.name, { catalog }).length;
    // One PutMetricData per cycle: a site's datums are far below the 1000-datum and 1 MB limits.
    const putMetricDataPerMonth = Math.round(cyclesPerMonth(topology));
    const dashboards = dashboardSite(topology) === site.name ? 1 : 0;
    const usd = {
      metrics: cents(series * PRICES_USD.customMetricMonth),
      requests: cents((putMetricDataPerMonth / 1000) * PRICES_USD.apiRequestsPer1000),
      alarms: cents(alarms * PRICES_USD.alarmMonth),
      dashboards: cents(dashboards * PRICES_USD.dashboardMonth),
      lambda,
      total: 0,
    };
    usd.total = cents(usd.metrics + usd.requests + usd.alarms + usd.dashboards + usd.lambda);
    return { site: site.name, region: site.region, series, alarms, putMetricDataPerMonth, dashboards, usd };
  });
  return { sites, totalUsd: cents(sites.reduce((sum, site) => sum + site.usd.total, 0)) };
};

const threshold = (value: unknown, topology: Topology): string =>
  typeof value === 'function'
    ? String((value as (t: Topology['thresholds']) => number)(topology.thresholds))
    : String(value);

const OPERATOR: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

const lambdaMarkdown = (topology: Topology, profile: LambdaCycleProfile): string[] => {
  const cost = lambdaCost(topology, profile);
  return [
    `Monitor Lambda: one cycle measured by \`npm run bench\` takes ${profile.cycleCpuMs.toFixed(1)} ms of CPU and ${profile.cycleWallMs.toFixed(0)} ms of wall time on the bench machine; at ${profile.memoryMb} MB (${profile.architecture}, ${(profile.memoryMb / LAMBDA_MB_PER_VCPU).toFixed(2)} vCPU) that bills about ${cost.billedMsPerCycle} ms per invocation, ${cost.invocationsPerMonth.toLocaleString('en-US')} invocations and ${cost.gbSecondsPerMonth.toLocaleString('en-US')} GB-s a month: $${cost.usd.requests.toFixed(2)} for requests + $${cost.usd.compute.toFixed(2)} for compute, without the free tier.`,
    '',
  ];
};

/** The generated part of docs/metrics.md: the catalog, the alarms and the cost model for a topology. */
export const catalogMarkdown = (
  topology: Topology,
  options: { catalog?: MetricCatalog; lambda?: LambdaCycleProfile } = {},
): string => {
  const catalog: MetricCatalog = options.catalog ?? METRIC_CATALOG;
  const period = schedulePeriodSeconds(topology.schedule);
  const rows = catalog.map((definition) => {
    const alarm = definition.alarm;
    const alarmText = alarm
      ? `${alarm.statistic} ${OPERATOR[alarm.comparison]} ${threshold(alarm.threshold, topology)} for ${Math.max(1, Math.ceil(alarm.forSeconds / period))} × ${period} s; missing data: ${alarm.treatMissingData}`
      : '—';
    const perSite = topology.sites
      .map((site) => seriesOf(definition, topology, site.name).length)
      .join(' / ');
    return `| \`${definition.name}\` | ${definition.unit} | ${definition.dimensions.join(', ')} | ${definition.derivation} | ${alarmText} | ${perSite} | [runbook](#${definition.runbook}) |`;
  });
  const { sites, totalUsd } = costModel(topology, {
    catalog,
    ...(options.lambda ? { lambda: options.lambda } : {}),
  });
  const costRows = sites.map(
    (site) =>
      `| ${site.site} (${site.region}) | ${site.series} | $${site.usd.metrics.toFixed(2)} | ${site.putMetricDataPerMonth.toLocaleString('en-US')} | $${site.usd.requests.toFixed(2)} | ${site.alarms} | $${site.usd.alarms.toFixed(2)} | ${site.dashboards} | $${site.usd.dashboards.toFixed(2)} | $${site.usd.lambda.toFixed(2)} | **$${site.usd.total.toFixed(2)}** |`,
  );
  const lambdaLine = options.lambda ? lambdaMarkdown(topology, options.lambda) : [];
  return [
    `Topology: \`${topology.cluster}\`, ${topology.sites.map((site) => `${site.name} (${site.role}, ${site.region}, ${site.replicas.length} replica${site.replicas.length === 1 ? '' : 's'}, ${site.coordination.length} coordination node${site.coordination.length === 1 ? '' : 's'})`).join('; ')}; schedule \`${topology.schedule}\`; namespace \`${topology.metrics.namespace}\`.`,
    '',
    `| Metric | Unit | Dimensions | Derived from the report | Alarm | Series per site (${topology.sites.map((site) => site.name).join(' / ')}) | What to do |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '| Site (region) | Custom metrics | $/month | PutMetricData calls/month | $/month | Alarms | $/month | Dashboards | $/month | Monitor Lambda $/month | Total $/month |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...costRows,
    `| **all regions** | ${sites.reduce((sum, site) => sum + site.series, 0)} | | | | ${sites.reduce((sum, site) => sum + site.alarms, 0)} | | ${sites.reduce((sum, site) => sum + site.dashboards, 0)} | | | **$${totalUsd.toFixed(2)}** |`,
    '',
    ...lambdaLine,
    'Why each alarm fires where it does:',
    '',
    ...catalog.flatMap((definition) =>
      definition.alarm ? [`- \`${definition.name}\`: ${definition.alarm.reason}.`] : [],
    ),
  ].join('\n');
};
