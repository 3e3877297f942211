import { beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../../lib/config/index.js';
import { alarmInstances, metricDataFromReport } from '../../../lib/metrics/index.js';
import { DYNAMO_ATTRIBUTES } from '../../../lib/state/dynamo.js';
import { referenceTopology } from '../metrics/reports.js';
import { cycleReport } from './cycle-report.js';
import { packageStack, type CfnResource } from './package.js';

/**
 * Builds the CloudFormation template the way a deployment does (`serverless package`, offline, dummy
 * credentials) once for the standby site of the reference topology, then checks its wiring against the code.
 */

type Resource = CfnResource;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const SITE = 'standby';
const REGION = 'us-west-2';

let resources: Record<string, Resource>;
let packagingMs: number;
let topology: Topology;

const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const statementsOf = (roleId: string): Statement[] =>
  (resources[roleId]!.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
const actions = (statement: Statement): string[] => [statement.Action].flat();

beforeAll(async () => {
  topology = referenceTopology();
  ({ resources, elapsedMs: packagingMs } = await packageStack(SITE, REGION));
}, 300_000);

describe('serverless package (standby site of the reference topology)', () => {
  it('packages offline in reasonable time', () => {
    console.log(`serverless package took ${packagingMs} ms`);
    expect(packagingMs).toBeLessThan(120_000);
  });

  it('creates exactly the alarms the catalog defines for the site', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');

    expect(alarms.map(([id]) => id).sort()).toEqual(
      alarmInstances(topology, SITE)
        .map((alarm) => alarm.logicalId)
        .sort(),
    );
  });

  it('has every alarm watch a metric the monitoring cycle publishes, with the same namespace, name and dimensions', async () => {
    const published = metricDataFromReport(await cycleReport(topology, SITE));
    const key = (name: unknown, dimensions: unknown) =>
      `${String(name)}|${(dimensions as { Name: string; Value: string }[]).map((d) => `${d.Name}=${d.Value}`).join(',')}`;
    const publishedKeys = new Set(published.map((datum) => key(datum.MetricName, datum.Dimensions)));

    for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties['Namespace'], id).toBe(topology.metrics.namespace);
      expect(publishedKeys, id).toContain(
        key(alarm.Properties['MetricName'], alarm.Properties['Dimensions']),
      );
      // The agent pages incidents itself: only the dead-agent alarms go to the pages topic.
      const topic = ['CycleRan', 'AgentErrors'].includes(String(alarm.Properties['MetricName']))
        ? 'PagesTopic'
        : 'AlarmsTopic';
      expect(alarm.Properties['AlarmActions'], id).toEqual([{ Ref: topic }]);
      expect(alarm.Properties['OKActions'], id).toEqual([{ Ref: topic }]);
    }
  });

  it('pages when the agent stops: the dead man’s switch treats missing data as breaching', () => {
    const deadMan = ofType('AWS::CloudWatch::Alarm').find(
      ([, alarm]) => alarm.Properties['MetricName'] === 'CycleRan',
    )![1];

    expect(deadMan.Properties).toMatchObject({
      TreatMissingData: 'breaching',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Statistic: 'Sum',
    });
  });

  it('alarms on the heartbeat lag from the primary and on the quorum', () => {
    const watched = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);

    expect(watched).toContainEqual(
      expect.objectContaining({
        MetricName: 'HeartbeatLagSeconds',
        Threshold: topology.thresholds.heartbeatLagCriticalSeconds,
        Dimensions: expect.arrayContaining([{ Name: 'SourceSite', Value: 'primary' }]),
      }),
    );
    expect(watched).toContainEqual(
      expect.objectContaining({ MetricName: 'CoordinationQuorum', ComparisonOperator: 'LessThanThreshold' }),
    );
    expect(watched).toContainEqual(expect.objectContaining({ MetricName: 'ReadonlyReplicas', Threshold: 0 }));
  });

  it('lets the functions publish metrics only to the namespace, to the one topic, and use the one table', () => {
    for (const roleId of ['MonitorRole', 'FailoverRole']) {
      const statements = statementsOf(roleId);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actions(statement)) expect(action, `${roleId} ${action}`).not.toMatch(/\*/);
      }
      const put = statements.find((s) => actions(s).includes('cloudwatch:PutMetricData'))!;
      expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': topology.metrics.namespace } });
      expect(actions(put)).toEqual(['cloudwatch:PutMetricData']);
      const publish = statements.filter((s) => actions(s).includes('sns:Publish'));
      expect(publish.map((s) => s.Resource)).toEqual([{ Ref: 'PagesTopic' }]);
      const tableStatements = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
      expect(tableStatements[0]!.Resource).toEqual({ 'Fn::GetAtt': ['StateTable', 'Arn'] });
      // The monitor also leaves its site verdict in the other site's table, in that site's region; the
      // failover function's runs live in the target site's table (next test).
      expect(tableStatements.length).toBe(2);
      if (roleId === 'MonitorRole')
        expect(JSON.stringify(tableStatements.slice(1).map((s) => s.Resource))).toBe(
          JSON.stringify([
            [
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':dynamodb:us-east-1:',
                    { Ref: 'AWS::AccountId' },
                    ':table/chdr-analytics-primary-state',
                  ],
                ],
              },
            ],
          ]),
        );
      if (roleId === 'MonitorRole') {
        expect(tableStatements.slice(1).flatMap(actions)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
      }
      const unscoped = statements.filter((s) => s.Resource === '*').flatMap(actions);
      expect(
        unscoped.filter(
          (a) =>
            ![
              'cloudwatch:PutMetricData',
              'ssm:GetCommandInvocation',
              'ssm:ListCommandInvocations',
              'ssm:CancelCommand',
              // Fencing waits for the stopped instances; DescribeInstances has no resource-level permissions.
              'ec2:DescribeInstances',
            ].includes(a),
        ),
      ).toEqual([]);
    }
  });

  it("gives the failover function the other sites' state tables in their regions and the invoke of itself, nothing wider", () => {
    const failover = statementsOf('FailoverRole');
    const others = topology.sites.filter((site) => site.name !== SITE);
    const cross = failover.filter(
      (s) => actions(s).includes('dynamodb:PutItem') && JSON.stringify(s.Resource).includes(':dynamodb:'),
    );
    expect(cross).toHaveLength(1);
    const text = JSON.stringify(cross[0]!.Resource);
    for (const site of others) {
      expect(text).toContain(`:dynamodb:${site.region}:`);
      expect(text).toContain(`:table/chdr-${topology.cluster}-${site.name}`);
    }
    expect(text).not.toContain(`-${SITE}-`);
    const invoke = failover.filter((s) => actions(s).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke.map((s) => s.Resource))).toContain(`:lambda:${REGION}:`);
    expect(JSON.stringify(invoke.map((s) => s.Resource))).toMatch(
      /function:chdr-[^"]*-standby[^"]*-failover/,
    );
    expect(statementsOf('MonitorRole').flatMap(actions)).not.toContain('lambda:InvokeFunction');
  });

  it('lets the standby’s monitor read its own site’s secret only (the primary’s SSM parameter is not in this region)', () => {
    const monitor = statementsOf('MonitorRole');

    expect(monitor.flatMap(actions)).toContain('secretsmanager:GetSecretValue');
    expect(monitor.flatMap(actions)).not.toContain('ssm:GetParameter');
  });

  it('gives SSM SendCommand and Route 53 changes to the failover function only, scoped to the topology', () => {
    const monitor = statementsOf('MonitorRole').flatMap(actions);
    expect(
      monitor.filter(
        (a) => a.startsWith('route53:') || a === 'ssm:SendCommand' || a === 'ssm:GetCommandInvocation',
      ),
    ).toEqual([]);

    const failover = statementsOf('FailoverRole');
    const stop = failover.find((s) => actions(s).includes('ec2:StopInstances'))!;
    expect(actions(stop)).toEqual(['ec2:StopInstances']);
    expect(JSON.stringify(stop.Resource)).toMatch(/:instance\/i-/);
    // The monitor's fence guard stops its own site's instances only (issue 11.2), in its own region.
    const ownStop = statementsOf('MonitorRole').find((s) => actions(s).includes('ec2:StopInstances'))!;
    expect(actions(ownStop)).toEqual(['ec2:StopInstances']);
    const own = topology.sites.find((site) => site.name === SITE)!;
    const ownIds = [...own.replicas, ...own.coordination].map((host) => host.instanceId!);
    const ownTargets = JSON.stringify(ownStop.Resource);
    expect(ownTargets.match(/:instance\/i-[0-9a-z]+/g)?.map((t) => t.slice(':instance/'.length))).toEqual(
      ownIds,
    );
    expect(ownTargets).not.toMatch(new RegExp(`:ec2:(?!${own.region}:)`));
    expect(monitor.filter((a) => a.startsWith('ec2:')).sort()).toEqual([
      'ec2:DescribeInstances',
      'ec2:StopInstances',
    ]);
    const send = failover.find((s) => actions(s).includes('ssm:SendCommand'))!;
    const targets = JSON.stringify(send.Resource);
    for (const site of topology.sites) {
      expect(targets).toContain(`:ec2:${site.region}:`);
      for (const host of [...site.replicas, ...site.coordination])
        expect(targets).toContain(host.instanceId!);
    }
    expect(targets).toContain('document/AWS-RunShellScript');
    const change = failover.find((s) => actions(s).includes('route53:ChangeResourceRecordSets'))!;
    expect(JSON.stringify(change.Resource)).toContain(
      `hostedzone/${topology.failover.route53!.hostedZoneId}`,
    );
    expect(change.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [topology.failover.route53!.recordName],
      },
    });
  });

  it('defines the state table the DynamoDB store expects: pk hash key, TTL on expiresAt, on demand', () => {
    const table = resources['StateTable']!.Properties;

    expect(table['KeySchema']).toEqual([{ AttributeName: DYNAMO_ATTRIBUTES.key, KeyType: 'HASH' }]);
    expect(table['AttributeDefinitions']).toEqual([
      { AttributeName: DYNAMO_ATTRIBUTES.key, AttributeType: 'S' },
    ]);
    expect(table['TimeToLiveSpecification']).toEqual({
      AttributeName: DYNAMO_ATTRIBUTES.expiresAt,
      Enabled: true,
    });
    expect(table['BillingMode']).toBe('PAY_PER_REQUEST');
  });

  it('schedules the monitor from the topology and hands both functions the table, topic and site', () => {
    const [, rule] = ofType('AWS::Events::Rule')[0]!;
    expect(rule.Properties['ScheduleExpression']).toBe(topology.schedule);
    expect(JSON.stringify(rule.Properties['Targets'])).toContain('MonitorLambdaFunction');

    for (const id of ['MonitorLambdaFunction', 'FailoverLambdaFunction']) {
      const fn = resources[id]!.Properties;
      expect(fn['Runtime']).toBe('nodejs22.x');
      expect((fn['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        CHDR_SITE: SITE,
        CHDR_CLUSTER: topology.cluster,
        CHDR_CONFIG: 'examples/two-region.yaml',
        CHDR_STATE_TABLE: { Ref: 'StateTable' },
        CHDR_TOPIC_ARN: { Ref: 'PagesTopic' },
      });
    }
    expect(resources['MonitorLambdaFunction']!.Properties['Timeout']).toBeLessThanOrEqual(60);
    expect(resources['FailoverLambdaFunction']!.Properties['Timeout']).toBe(900);
  });

  it('shows heartbeat lag in both directions on one dashboard, each from its own region', () => {
    const body = JSON.parse(resources['Dashboard']!.Properties['DashboardBody'] as string) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const lag = body.widgets.find((w) => w.properties.title?.startsWith('Heartbeat lag'))!.properties
      .metrics!;

    expect(lag.map((line) => [line[5], line[7], (line.at(-1) as { region: string }).region])).toEqual([
      ['primary', 'standby', 'us-east-1'],
      ['standby', 'primary', 'us-west-2'],
    ]);
  });
});
