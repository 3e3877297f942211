import { DIMENSIONS } from './constants.js';
import {
  always,
  checksOf,
  countOf,
  ensembleValue,
  hasExpiredSession,
  hasReadonlyTables,
  isNodeDown,
  isReplicaUnreachable,
  lagPerSource,
  leaderCount,
  maxOf,
  sumOf,
  valuesOf,
} from './derive.js';
import type { MetricDefinition } from './types.js';

const SITE = [DIMENSIONS.cluster, DIMENSIONS.site] as const;
const PER_SOURCE = [DIMENSIONS.cluster, DIMENSIONS.site, DIMENSIONS.sourceSite] as const;

/** Anchors of the runbook sections in docs/metrics.md. */
export const RUNBOOK = {
  agent: 'runbook-agent-stopped-or-failing',
  heartbeatLag: 'runbook-heartbeat-lag',
  heartbeatWrite: 'runbook-heartbeat-write-failed',
  quorum: 'runbook-coordination-quorum-and-leader',
  node: 'runbook-coordination-node-down-or-slow',
  readonly: 'runbook-read-only-replicas-and-lost-sessions',
  delay: 'runbook-replication-delay-and-queue',
  replicaDown: 'runbook-replica-unreachable',
  security: 'runbook-security-findings',
  roles: 'runbook-site-fenced-or-lost',
} as const;

/**
 * Everything chdr publishes to CloudWatch and every alarm that watches it. One time series per metric and
 * site (Cluster, Site), except heartbeat lag, which also has SourceSite: the reference topology publishes
 * 22 time series per region. Per-node numbers are aggregated per site (max or count) so that the count
 * does not grow with the number of nodes; the per-node detail is in the report and in the page.
 */
export const METRIC_CATALOG = [
  {
    name: 'CycleRan',
    unit: 'Count',
    dimensions: SITE,
    description: 'The monitoring cycle produced a report (dead man’s switch)',
    derivation: '1 for every report',
    runbook: RUNBOOK.agent,
    derive: () => always(1),
    alarm: {
      statistic: 'Sum',
      comparison: 'LessThanThreshold',
      threshold: 1,
      forSeconds: 180,
      treatMissingData: 'breaching',
      reason:
        'no report for three schedule periods: the agent is dead, throttled, or cannot start; nothing else pages then',
    },
  },
  {
    name: 'AgentErrors',
    unit: 'Count',
    dimensions: SITE,
    description: 'The handler failed before it produced a report',
    derivation: '0 for every report; the handler publishes 1 (agentErrorData) when the cycle throws',
    runbook: RUNBOOK.agent,
    derive: () => always(0),
    alarm: {
      statistic: 'Sum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      forSeconds: 180,
      treatMissingData: 'notBreaching',
      reason:
        'three failed invocations in a row: the agent runs but cannot monitor (config, secrets, network)',
    },
  },
  {
    name: 'CycleDurationMs',
    unit: 'Milliseconds',
    dimensions: SITE,
    description: 'How long the cycle took',
    derivation: 'report.durationMs',
    runbook: RUNBOOK.agent,
    derive: (report) => always(report.durationMs),
  },
  {
    name: 'ChecksCritical',
    unit: 'Count',
    dimensions: SITE,
    description: 'Checks with status critical',
    derivation: 'count of checks with status critical',
    runbook: RUNBOOK.agent,
    derive: (report) => always(report.checks.filter((check) => check.status === 'critical').length),
  },
  {
    name: 'ChecksWarn',
    unit: 'Count',
    dimensions: SITE,
    description: 'Checks with status warn',
    derivation: 'count of checks with status warn',
    runbook: RUNBOOK.agent,
    derive: (report) => always(report.checks.filter((check) => check.status === 'warn').length),
  },
  {
    name: 'HeartbeatLagSeconds',
    unit: 'Seconds',
    dimensions: PER_SOURCE,
    description: 'How far this site’s copy of a source site’s heartbeat row is behind',
    derivation: 'heartbeat-lag checks: values.lagSeconds, SourceSite = the check’s subject',
    runbook: RUNBOOK.heartbeatLag,
    derive: lagPerSource,
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: (thresholds) => thresholds.heartbeatLagCriticalSeconds,
      forSeconds: 120,
      treatMissingData: 'missing',
      reason:
        'the thresholds.heartbeatLagCriticalSeconds verdict held for two periods: replication from that site stalled or is far behind (the failover RPO)',
    },
  },
  {
    name: 'HeartbeatWriteFailed',
    unit: 'Count',
    dimensions: SITE,
    description: 'This site could not write its heartbeat row',
    derivation: '1 when a heartbeat-write check is not ok, else 0',
    runbook: RUNBOOK.heartbeatWrite,
    derive: (report) =>
      countOf(checksOf(report, 'heartbeat-write'), (check) => check.status !== 'ok').map(clamp1),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      forSeconds: 180,
      treatMissingData: 'missing',
      reason: 'writes fail for three periods: replicas read-only or unreachable, or no coordination quorum',
    },
  },
  {
    name: 'CoordinationQuorum',
    unit: 'None',
    dimensions: SITE,
    description: 'Whether the Keeper/ZooKeeper ensemble has a quorum (1) or not (0)',
    derivation: 'coordination-ensemble checks: values.quorum',
    runbook: RUNBOOK.quorum,
    derive: (report) => ensembleValue(report, (values) => values.quorum),
    alarm: {
      statistic: 'Minimum',
      comparison: 'LessThanThreshold',
      threshold: 1,
      forSeconds: 60,
      treatMissingData: 'missing',
      reason: 'without quorum every replicated table is read-only (Altinity: coordination without quorum)',
    },
  },
  {
    name: 'CoordinationLeaders',
    unit: 'Count',
    dimensions: SITE,
    description: 'Leaders the ensemble reports (1 is healthy)',
    derivation: 'coordination-ensemble checks: length of values.leaders',
    runbook: RUNBOOK.quorum,
    derive: leaderCount,
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: 1,
      forSeconds: 60,
      treatMissingData: 'missing',
      reason:
        'two leaders is a split brain (e.g. a promoted standby while the old primary still runs); no leader shows as lost quorum',
    },
  },
  {
    name: 'CoordinationParticipantsUp',
    unit: 'Count',
    dimensions: SITE,
    description: 'Voting participants that serve',
    derivation: 'coordination-ensemble checks: values.participantsUp',
    runbook: RUNBOOK.quorum,
    derive: (report) => ensembleValue(report, (values) => values.participantsUp),
  },
  {
    name: 'CoordinationNodesDown',
    unit: 'Count',
    dimensions: SITE,
    description: 'Coordination nodes unreachable or not serving',
    derivation: 'coordination-node checks that are critical or whose role is unreachable/not-serving',
    runbook: RUNBOOK.node,
    derive: (report) => countOf(checksOf(report, 'coordination-node'), isNodeDown),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      forSeconds: 180,
      treatMissingData: 'missing',
      reason:
        'a node down for three periods (not a restart): one more loss may cost the quorum, or the standby lost its copy',
    },
  },
  {
    name: 'CoordinationOutstandingRequests',
    unit: 'Count',
    dimensions: SITE,
    description: 'Most outstanding requests on any coordination node',
    derivation: 'coordination-node checks: max of values.outstanding',
    runbook: RUNBOOK.node,
    derive: (report) => maxOf(valuesOf(report, 'coordination-node', (values) => values.outstanding)),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: (thresholds) => thresholds.outstandingRequestsWarn,
      forSeconds: 600,
      treatMissingData: 'missing',
      reason:
        'Altinity’s clickhouse-operator: outstanding requests above 10 for 10 minutes (the node receives more than it can process)',
    },
  },
  {
    name: 'CoordinationMaxLatencyMs',
    unit: 'Milliseconds',
    dimensions: SITE,
    // Replaces the average, a lifetime average that never moves. No alarm: the max only resets with the
    // node's counters (srst or a restart), so an alarm would stay on; the node check warns instead.
    description: 'Highest max request latency of any coordination node (since its counters were reset)',
    derivation: 'coordination-node checks: max of values.maxLatencyMs',
    runbook: RUNBOOK.node,
    derive: (report) => maxOf(valuesOf(report, 'coordination-node', (values) => values.maxLatencyMs)),
  },
  {
    name: 'CoordinationFileDescriptorsPercent',
    unit: 'Percent',
    dimensions: SITE,
    description: 'Largest share of its file descriptor limit any coordination node has open',
    derivation:
      'coordination-node checks: max of 100 × values.openFileDescriptors / values.maxFileDescriptors',
    runbook: RUNBOOK.node,
    derive: (report) =>
      maxOf(
        valuesOf(report, 'coordination-node', ({ openFileDescriptors: open, maxFileDescriptors: max }) =>
          open === null || max === null || max === 0 ? null : Math.round((1000 * open) / max) / 10,
        ),
      ),
  },
  {
    name: 'CoordinationZnodes',
    unit: 'Count',
    dimensions: SITE,
    description: 'Most znodes on any coordination node',
    derivation: 'coordination-node checks: max of values.znodeCount',
    runbook: RUNBOOK.node,
    derive: (report) => maxOf(valuesOf(report, 'coordination-node', (values) => values.znodeCount)),
  },
  {
    name: 'ReplicasUnreachable',
    unit: 'Count',
    dimensions: SITE,
    description: 'ClickHouse replicas the cycle could not query',
    derivation: 'replica-status checks with values.reachable = false',
    runbook: RUNBOOK.replicaDown,
    derive: (report) => countOf(checksOf(report, 'replica-status'), isReplicaUnreachable),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      forSeconds: 120,
      treatMissingData: 'missing',
      reason:
        'a replica that does not answer for two periods is down or cut off (Altinity: ClickHouseServerPossibleDown)',
    },
  },
  {
    name: 'ReadonlyReplicas',
    unit: 'Count',
    dimensions: SITE,
    description: 'Replicas with at least one read-only replicated table',
    derivation: 'replica-status checks with values.readonlyTables > 0',
    runbook: RUNBOOK.readonly,
    derive: (report) => countOf(checksOf(report, 'replica-status'), hasReadonlyTables),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: 0,
      forSeconds: 60,
      treatMissingData: 'missing',
      reason:
        'Altinity’s clickhouse-operator: any read-only replica (lost or never had its coordination session); inserts there fail',
    },
  },
  {
    name: 'ReadonlyTables',
    unit: 'Count',
    dimensions: SITE,
    description: 'Read-only replicated tables over all replicas',
    derivation: 'replica-status checks: sum of values.readonlyTables',
    runbook: RUNBOOK.readonly,
    derive: (report) => sumOf(valuesOf(report, 'replica-status', (values) => values.readonlyTables)),
  },
  {
    name: 'SessionExpiredReplicas',
    unit: 'Count',
    dimensions: SITE,
    description: 'Replicas whose coordination session expired or was lost',
    derivation: 'replica-status checks with values.sessionExpiredTables > 0',
    runbook: RUNBOOK.readonly,
    derive: (report) => countOf(checksOf(report, 'replica-status'), hasExpiredSession),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      forSeconds: 60,
      treatMissingData: 'missing',
      reason:
        'Altinity’s clickhouse-operator: a lost ZooKeeper/Keeper session makes the replica read-only until it reconnects',
    },
  },
  {
    name: 'MaxReplicaDelaySeconds',
    unit: 'Seconds',
    dimensions: SITE,
    description: 'Largest absolute replication delay of any replica',
    derivation: 'replica-status checks: max of values.maxAbsoluteDelay',
    runbook: RUNBOOK.delay,
    derive: (report) => maxOf(valuesOf(report, 'replica-status', (values) => values.maxAbsoluteDelay)),
    alarm: {
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: (thresholds) => thresholds.replicaDelayCriticalSeconds,
      forSeconds: 60,
      treatMissingData: 'missing',
      reason:
        'Altinity’s clickhouse-operator: absolute delay above 300 s; distributed queries may skip or return stale data',
    },
  },
  {
    name: 'ReplicationQueueSize',
    unit: 'Count',
    dimensions: SITE,
    description: 'Largest replication queue of any replica',
    derivation: 'replica-status checks: max of values.maxQueueSize',
    runbook: RUNBOOK.delay,
    derive: (report) => maxOf(valuesOf(report, 'replica-status', (values) => values.maxQueueSize)),
  },
  {
    name: 'ReplicationLogLag',
    unit: 'Count',
    dimensions: SITE,
    description: 'Most replication log entries any replica has not yet pulled into its queue',
    derivation: 'replica-status checks: max of values.maxLogLag (log_max_index - log_pointer)',
    runbook: RUNBOOK.delay,
    derive: (report) => maxOf(valuesOf(report, 'replica-status', (values) => values.maxLogLag)),
  },
  {
    name: 'InsertsInQueue',
    unit: 'Count',
    dimensions: SITE,
    description: 'Most inserts waiting in any replica’s replication queue',
    derivation: 'replica-status checks: max of values.maxInsertsInQueue',
    runbook: RUNBOOK.delay,
    derive: (report) => maxOf(valuesOf(report, 'replica-status', (values) => values.maxInsertsInQueue)),
  },
  {
    name: 'MaxPartsPerPartition',
    unit: 'Count',
    dimensions: SITE,
    description:
      'Most active parts in one partition on any server (inserts are delayed, then refused, above the limits)',
    derivation: 'replica-status checks: max of values.maxPartsPerPartition',
    runbook: RUNBOOK.delay,
    derive: (report) => maxOf(valuesOf(report, 'replica-status', (values) => values.maxPartsPerPartition)),
  },
  {
    name: 'ClockSkewSeconds',
    unit: 'Seconds',
    dimensions: SITE,
    description: 'Largest distance between a server’s clock and the agent’s',
    derivation: 'replica-status checks: max of |values.clockSkewSeconds|',
    runbook: RUNBOOK.delay,
    derive: (report) =>
      maxOf(
        valuesOf(report, 'replica-status', (values) =>
          values.clockSkewSeconds === null ? null : Math.abs(values.clockSkewSeconds),
        ),
      ),
  },
  {
    name: 'ZooKeeperHardwareExceptions',
    unit: 'Count',
    dimensions: SITE,
    description: 'Coordination connection losses and session expiries since the previous cycle, all servers',
    derivation: 'replica-status checks: sum of values.zooKeeperHardwareExceptions (system.events delta)',
    runbook: RUNBOOK.readonly,
    derive: (report) =>
      sumOf(valuesOf(report, 'replica-status', (values) => values.zooKeeperHardwareExceptions)),
  },
  {
    name: 'RejectedInserts',
    unit: 'Count',
    dimensions: SITE,
    description: 'Inserts refused with TOO_MANY_PARTS since the previous cycle, all servers',
    derivation: 'replica-status checks: sum of values.rejectedInserts (system.events delta)',
    runbook: RUNBOOK.delay,
    derive: (report) => sumOf(valuesOf(report, 'replica-status', (values) => values.rejectedInserts)),
  },
  {
    name: 'ReplicaTablesNotOk',
    unit: 'Count',
    dimensions: SITE,
    description: 'Replicated tables with a warn or critical verdict',
    derivation:
      'replica-tables checks whose status is not ok (0 when the replicas were probed and none is reported)',
    runbook: RUNBOOK.delay,
    // Only tables with a problem get a check: zero when replicas were probed and none was reported.
    derive: (report) =>
      checksOf(report, 'replica-status').length === 0
        ? []
        : always(checksOf(report, 'replica-tables').filter((check) => check.status !== 'ok').length),
  },
  {
    name: 'SecurityFindings',
    unit: 'Count',
    dimensions: SITE,
    description: 'Security lint findings',
    derivation: 'security checks whose status is not ok',
    runbook: RUNBOOK.security,
    derive: (report) => always(checksOf(report, 'security').filter((check) => check.status !== 'ok').length),
  },
] as const satisfies readonly MetricDefinition[];

function clamp1(value: { value: number }): { value: number } {
  return { value: Math.min(1, value.value) };
}

export type MetricCatalog = readonly MetricDefinition[];
export type MetricName = (typeof METRIC_CATALOG)[number]['name'];

/** The catalog entry of a metric name (throws on a name that is not in the catalog: a programming error). */
export const metricDefinition = (
  name: MetricName,
  catalog: MetricCatalog = METRIC_CATALOG,
): MetricDefinition => {
  const found = catalog.find((definition) => definition.name === name);
  if (!found) throw new Error(`metric ${name} is not in the catalog`);
  return found;
};
