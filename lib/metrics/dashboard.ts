import type { Topology } from '../config/index.js';
import { DIMENSIONS } from './constants.js';
import { METRIC_CATALOG, metricDefinition, type MetricCatalog, type MetricName } from './catalog.js';
import { schedulePeriodSeconds } from './schedule.js';
import { seriesOf } from './alarms.js';

type MetricLine = (string | { region: string; label: string; stat?: string })[];

interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const WIDTH = 12;
const HEIGHT = 6;

/**
 * A CloudWatch dashboard over every site of the topology. Each site's agent publishes in its own region, so
 * each line names its region: one dashboard (in either region) shows both directions of heartbeat lag.
 */
export const dashboardBody = (
  topology: Topology,
  homeRegion: string,
  catalog: MetricCatalog = METRIC_CATALOG,
): string => {
  const namespace = topology.metrics.namespace;
  const period = schedulePeriodSeconds(topology.schedule);

  const lines = (name: MetricName, stat: string): MetricLine[] =>
    topology.sites.flatMap((site) =>
      seriesOf(metricDefinition(name, catalog), topology, site.name).map((dimensions) => {
        const source = dimensions.find((dimension) => dimension.Name === DIMENSIONS.sourceSite)?.Value;
        const label = source ? `${source} → ${site.name} (${site.region})` : `${site.name} (${site.region})`;
        return [
          namespace,
          name,
          ...dimensions.flatMap((d) => [d.Name, d.Value]),
          { region: site.region, label, stat },
        ];
      }),
    );

  const graph = (
    title: string,
    metrics: MetricLine[],
    stat: string,
    annotations: { value: number; label: string }[] = [],
  ): Omit<Widget, 'x' | 'y'> => ({
    type: 'metric',
    width: WIDTH,
    height: HEIGHT,
    properties: {
      title,
      view: 'timeSeries',
      stacked: false,
      region: homeRegion,
      period,
      stat,
      metrics,
      ...(annotations.length > 0 ? { annotations: { horizontal: annotations } } : {}),
    },
  });

  const t = topology.thresholds;
  const widgets: Omit<Widget, 'x' | 'y'>[] = [
    graph('Heartbeat lag, both directions (s)', lines('HeartbeatLagSeconds', 'Maximum'), 'Maximum', [
      { value: t.heartbeatLagWarnSeconds, label: 'warn' },
      { value: t.heartbeatLagCriticalSeconds, label: 'critical' },
    ]),
    graph('Cycles ran / agent errors', [...lines('CycleRan', 'Sum'), ...lines('AgentErrors', 'Sum')], 'Sum'),
    graph(
      'Coordination quorum (1 = held) and leaders',
      [...lines('CoordinationQuorum', 'Minimum'), ...lines('CoordinationLeaders', 'Maximum')],
      'Minimum',
    ),
    graph(
      'Coordination nodes down / participants up',
      [...lines('CoordinationNodesDown', 'Maximum'), ...lines('CoordinationParticipantsUp', 'Minimum')],
      'Maximum',
    ),
    graph('Coordination max latency (ms)', lines('CoordinationMaxLatencyMs', 'Maximum'), 'Maximum', [
      { value: t.maxLatencyWarnMs, label: 'warn' },
    ]),
    graph(
      'Coordination outstanding requests',
      lines('CoordinationOutstandingRequests', 'Maximum'),
      'Maximum',
      [{ value: t.outstandingRequestsWarn, label: 'warn' }],
    ),
    graph(
      'Read-only replicas / lost sessions / unreachable',
      [
        ...lines('ReadonlyReplicas', 'Maximum'),
        ...lines('SessionExpiredReplicas', 'Maximum'),
        ...lines('ReplicasUnreachable', 'Maximum'),
      ],
      'Maximum',
    ),
    graph('Max replica delay (s)', lines('MaxReplicaDelaySeconds', 'Maximum'), 'Maximum', [
      { value: t.replicaDelayCriticalSeconds, label: 'critical' },
    ]),
    graph('Replication queue', lines('ReplicationQueueSize', 'Maximum'), 'Maximum'),
    graph(
      'Critical / warn checks',
      [...lines('ChecksCritical', 'Maximum'), ...lines('ChecksWarn', 'Maximum')],
      'Maximum',
    ),
  ];

  const header: Widget = {
    type: 'text',
    x: 0,
    y: 0,
    width: 24,
    height: 2,
    properties: {
      markdown:
        `# chdr ${topology.cluster}\n` +
        topology.sites.map((site) => `**${site.name}** ${site.role} in ${site.region}`).join(' · ') +
        ` · namespace ${namespace} · one point per ${period} s`,
    },
  };
  const placed = widgets.map((widget, i): Widget => ({
    ...widget,
    x: (i % 2) * WIDTH,
    y: 2 + Math.floor(i / 2) * HEIGHT,
  }));
  return JSON.stringify({ widgets: [header, ...placed] });
};
