import { describe, expect, it } from 'vitest';
import {
  METRIC_CATALOG,
  agentErrorData,
  metricDataFromReport,
  type PublishedDatum,
} from '../../../lib/metrics/index.js';
import { standbyReport } from './reports.js';

const valueOf = (data: PublishedDatum[], name: string, sourceSite?: string): number | undefined =>
  data.find(
    (datum) =>
      datum.MetricName === name &&
      (sourceSite === undefined ||
        datum.Dimensions.some((d) => d.Name === 'SourceSite' && d.Value === sourceSite)),
  )?.Value;

describe('metric catalog', () => {
  it('names every metric once, with Cluster and Site dimensions and a runbook anchor', () => {
    const names = METRIC_CATALOG.map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    for (const definition of METRIC_CATALOG) {
      expect(definition.dimensions.slice(0, 2)).toEqual(['Cluster', 'Site']);
      expect(definition.runbook).toMatch(/^runbook-[a-z-]+$/);
    }
  });

  it('has the alarms the issue asks for, the dead man’s switch treating missing data as breaching', () => {
    const alarmed = Object.fromEntries(
      METRIC_CATALOG.filter((d) => 'alarm' in d).map((d) => [
        d.name,
        (d as { alarm: { treatMissingData: string } }).alarm,
      ]),
    );
    expect(Object.keys(alarmed)).toEqual(
      expect.arrayContaining([
        'CycleRan',
        'AgentErrors',
        'HeartbeatLagSeconds',
        'HeartbeatWriteFailed',
        'CoordinationQuorum',
        'CoordinationLeaders',
        'CoordinationNodesDown',
        'CoordinationOutstandingRequests',
        'ReadonlyReplicas',
        'MaxReplicaDelaySeconds',
        'SessionExpiredReplicas',
      ]),
    );
    expect(alarmed['CycleRan']!.treatMissingData).toBe('breaching');
    for (const [name, alarm] of Object.entries(alarmed)) {
      if (name !== 'CycleRan') expect(alarm.treatMissingData).not.toBe('breaching');
    }
  });
});

describe('metricDataFromReport', () => {
  it('turns a healthy standby report into one datum per site metric and one lag datum for the primary', () => {
    const report = standbyReport();

    const data = metricDataFromReport(report);

    expect(data).toHaveLength(METRIC_CATALOG.length);
    expect(valueOf(data, 'CycleRan')).toBe(1);
    expect(valueOf(data, 'AgentErrors')).toBe(0);
    expect(valueOf(data, 'HeartbeatLagSeconds', 'primary')).toBe(3);
    expect(valueOf(data, 'CoordinationQuorum')).toBe(1);
    expect(valueOf(data, 'CoordinationLeaders')).toBe(1);
    expect(valueOf(data, 'CoordinationParticipantsUp')).toBe(3);
    expect(valueOf(data, 'CoordinationNodesDown')).toBe(0);
    expect(valueOf(data, 'CoordinationOutstandingRequests')).toBe(3);
    expect(valueOf(data, 'CoordinationMaxLatencyMs')).toBe(5);
    expect(valueOf(data, 'ClockSkewSeconds')).toBe(0);
    expect(valueOf(data, 'MaxPartsPerPartition')).toBe(3);
    expect(valueOf(data, 'ReadonlyReplicas')).toBe(0);
    expect(valueOf(data, 'ChecksCritical')).toBe(0);
    for (const datum of data) {
      expect(datum.Dimensions.slice(0, 2)).toEqual([
        { Name: 'Cluster', Value: 'analytics' },
        { Name: 'Site', Value: 'standby' },
      ]);
      expect(datum.Timestamp).toEqual(new Date('2025-11-23T02:51:01.800Z'));
    }
  });

  it('reports the lag per source site with the SourceSite dimension', () => {
    const data = metricDataFromReport(standbyReport({ lagSeconds: 412 }));

    const lag = data.filter((datum) => datum.MetricName === 'HeartbeatLagSeconds');

    expect(lag).toEqual([
      expect.objectContaining({
        Value: 412,
        Unit: 'Seconds',
        Dimensions: [
          { Name: 'Cluster', Value: 'analytics' },
          { Name: 'Site', Value: 'standby' },
          { Name: 'SourceSite', Value: 'primary' },
        ],
      }),
    ]);
    expect(valueOf(data, 'ChecksCritical')).toBe(1);
  });

  it('publishes no lag datum when the lag could not be measured, rather than a misleading zero', () => {
    const data = metricDataFromReport(standbyReport({ lagSeconds: null }));

    expect(data.some((datum) => datum.MetricName === 'HeartbeatLagSeconds')).toBe(false);
    expect(valueOf(data, 'CycleRan')).toBe(1);
  });

  it('shows a lost quorum: quorum 0, no leader, three nodes down', () => {
    const data = metricDataFromReport(standbyReport({ quorum: false }));

    expect(valueOf(data, 'CoordinationQuorum')).toBe(0);
    expect(valueOf(data, 'CoordinationLeaders')).toBe(0);
    expect(valueOf(data, 'CoordinationParticipantsUp')).toBe(1);
    expect(valueOf(data, 'CoordinationNodesDown')).toBe(3);
  });

  it('counts read-only replicas and tables, and the largest delay', () => {
    const data = metricDataFromReport(standbyReport({ readonlyTables: 3, delaySeconds: 420 }));

    expect(valueOf(data, 'ReadonlyReplicas')).toBe(1);
    expect(valueOf(data, 'ReadonlyTables')).toBe(3);
    expect(valueOf(data, 'MaxReplicaDelaySeconds')).toBe(420);
    expect(valueOf(data, 'ReplicaTablesNotOk')).toBe(1);
  });

  it('publishes nothing for coordination when no coordination node was probed', () => {
    const report = standbyReport();
    const withoutCoordination = {
      ...report,
      checks: report.checks.filter((c) => !c.kind.startsWith('coordination')),
    };

    const names = metricDataFromReport(withoutCoordination).map((datum) => datum.MetricName);

    expect(names.filter((name) => name.startsWith('Coordination'))).toEqual([]);
  });

  it('makes one AgentErrors datum when the cycle threw', () => {
    const at = new Date('2025-11-23T03:00:00Z');

    expect(agentErrorData({ cluster: 'analytics', site: 'primary', at })).toEqual([
      {
        MetricName: 'AgentErrors',
        Unit: 'Count',
        Value: 1,
        Timestamp: at,
        Dimensions: [
          { Name: 'Cluster', Value: 'analytics' },
          { Name: 'Site', Value: 'primary' },
        ],
      },
    ]);
  });
});
