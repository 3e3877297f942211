import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../lib/config/parse.js';
import {
  alarmInstances,
  alarmResources,
  dashboardBody,
  metricDataFromReport,
  schedulePeriodSeconds,
} from '../../../lib/metrics/index.js';
import { referenceTopology, standbyReport } from './reports.js';

describe('alarmInstances', () => {
  const topology = referenceTopology();

  it('makes one alarm per alarmed metric for the standby, lag from the primary with the configured threshold', () => {
    const alarms = alarmInstances(topology, 'standby');

    expect(alarms).toHaveLength(12);
    const lag = alarms.find((alarm) => alarm.metricName === 'HeartbeatLagSeconds')!;
    expect(lag).toMatchObject({
      logicalId: 'AlarmHeartbeatLagSecondsFromPrimary',
      alarmName: 'chdr analytics/standby HeartbeatLagSeconds from primary',
      namespace: 'CHDR',
      threshold: 300,
      periodSeconds: 60,
      evaluationPeriods: 2,
      comparison: 'GreaterThanOrEqualToThreshold',
      dimensions: [
        { Name: 'Cluster', Value: 'analytics' },
        { Name: 'Site', Value: 'standby' },
        { Name: 'SourceSite', Value: 'primary' },
      ],
    });
    expect(lag.description).toContain('docs/metrics.md#runbook-heartbeat-lag');
  });

  it('uses the Altinity durations: outstanding requests 10 minutes, latency 15 minutes', () => {
    const alarms = alarmInstances(topology, 'primary');

    expect(alarms.find((a) => a.metricName === 'CoordinationOutstandingRequests')).toMatchObject({
      threshold: 10,
      evaluationPeriods: 10,
    });
    expect(alarms.find((a) => a.metricName === 'CoordinationMaxLatencyMs')).toBeUndefined();
    expect(alarms.find((a) => a.metricName === 'MaxReplicaDelaySeconds')).toMatchObject({
      threshold: 300,
      comparison: 'GreaterThanThreshold',
    });
  });

  it('makes the dead man’s switch page when no cycle reported for three periods', () => {
    const deadMan = alarmInstances(topology, 'primary').find((a) => a.metricName === 'CycleRan')!;

    expect(deadMan).toMatchObject({
      statistic: 'Sum',
      comparison: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 3,
      treatMissingData: 'breaching',
    });
  });

  it('follows a slower schedule so that quiet minutes are not missing data', () => {
    const slow = parseTopology({
      ...structuredClone(topology),
      schedule: 'rate(5 minutes)',
      thresholds: { ...topology.thresholds, heartbeatLagWarnSeconds: 600, heartbeatLagCriticalSeconds: 900 },
    });

    const deadMan = alarmInstances(slow, 'primary').find((a) => a.metricName === 'CycleRan')!;

    expect(deadMan).toMatchObject({ periodSeconds: 300, evaluationPeriods: 1 });
  });

  it('refuses a heartbeat warn threshold under two schedule periods, naming the field and the fix', () => {
    const slow = parseTopology({ ...structuredClone(topology), schedule: 'rate(5 minutes)' });

    expect(() => alarmInstances(slow, 'primary')).toThrow(
      'thresholds.heartbeatLagWarnSeconds: 120 s is under two schedule periods (600 s with rate(5 minutes)); raise it to 600 or more, or run the schedule more often',
    );
  });

  it('watches only time series the site publishes', () => {
    const published = metricDataFromReport(standbyReport());
    const key = (name: string, dimensions: { Name: string; Value: string }[]) =>
      `${name}|${dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}`;
    const publishedKeys = new Set(published.map((datum) => key(datum.MetricName, datum.Dimensions)));

    for (const alarm of alarmInstances(topology, 'standby')) {
      expect(publishedKeys, alarm.alarmName).toContain(key(alarm.metricName, alarm.dimensions));
    }
  });

  it('renders CloudFormation alarms that notify on alarm and on recovery: the dead-agent ones the pages topic, the rest their own', () => {
    const resources = alarmResources(alarmInstances(topology, 'standby'), {
      backstop: { Ref: 'PagesTopic' },
      others: { Ref: 'AlarmsTopic' },
    }) as Record<string, { Type: string; Properties: Record<string, unknown> }>;

    const lag = resources['AlarmHeartbeatLagSecondsFromPrimary']!;
    expect(lag.Type).toBe('AWS::CloudWatch::Alarm');
    expect(lag.Properties).toMatchObject({
      AlarmActions: [{ Ref: 'AlarmsTopic' }],
      OKActions: [{ Ref: 'AlarmsTopic' }],
      Period: 60,
    });
    expect(lag.Properties).not.toHaveProperty('Unit');
    const deadMan = Object.values(resources).filter((r) => r.Properties['MetricName'] === 'CycleRan');
    expect(deadMan.map((r) => r.Properties['AlarmActions'])).toEqual([[{ Ref: 'PagesTopic' }]]);
  });
});

describe('schedulePeriodSeconds', () => {
  it.each([
    ['rate(1 minute)', 60],
    ['rate(5 minutes)', 300],
    ['rate(1 hour)', 3600],
    ['cron(* * * * ? *)', 60],
    ['cron(*/5 * * * ? *)', 300],
  ])('%s is %i s', (schedule, seconds) => {
    expect(schedulePeriodSeconds(schedule)).toBe(seconds);
  });

  it('refuses an irregular cron with a typed error', () => {
    expect(() => schedulePeriodSeconds('cron(0 9 * * ? *)')).toThrow(
      expect.objectContaining({ code: 'METRICS_BAD_SCHEDULE' }),
    );
  });
});

describe('dashboardBody', () => {
  it('graphs heartbeat lag in both directions, each line in the region that publishes it', () => {
    const body = JSON.parse(dashboardBody(referenceTopology(), 'us-east-1')) as {
      widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[];
    };

    const lag = body.widgets.find((widget) => widget.properties.title?.startsWith('Heartbeat lag'))!;
    expect(lag.properties.metrics).toEqual([
      [
        'CHDR',
        'HeartbeatLagSeconds',
        'Cluster',
        'analytics',
        'Site',
        'primary',
        'SourceSite',
        'standby',
        expect.objectContaining({ region: 'us-east-1' }),
      ],
      [
        'CHDR',
        'HeartbeatLagSeconds',
        'Cluster',
        'analytics',
        'Site',
        'standby',
        'SourceSite',
        'primary',
        expect.objectContaining({ region: 'us-west-2' }),
      ],
    ]);
  });
});
