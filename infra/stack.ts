/**
 * What the serverless.yml of one site's deployment needs that depends on the topology file: names, the
 * schedule, alarms and dashboard generated from the metric catalog, and the topology-specific IAM
 * statements (secrets, SSM targets, the Route 53 record). infra/chdr.cjs bundles this file with esbuild and
 * hands the result to serverless as a `${file(...)}` variable, so nothing generated is checked in and the
 * catalog stays the only source of what the alarms watch.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPROBE_MIN_PERIOD_SECONDS } from '../lib/agent/constants.js';
import { parseTopologyText } from '../lib/config/parse.js';
import type { Site, Topology } from '../lib/config/types.js';
import { alarmInstances, alarmResources } from '../lib/metrics/alarms.js';
import { dashboardBody } from '../lib/metrics/dashboard.js';
import { dashboardSite } from '../lib/metrics/cost.js';
import { schedulePeriodSeconds } from '../lib/metrics/schedule.js';
import { siteStateTableName, stackBaseName } from '../lib/state/sites.js';

export interface StackInput {
  /** Topology file, relative to the service directory (it is also packaged into the functions). */
  config: string;
  /** The site this deployment monitors; its region must be the deployment's region. */
  site: string;
  region: string;
  service: string;
  stage: string;
  serviceDir: string;
  /** Comma-separated VPC subnet and security group ids, to reach private ClickHouse and Keeper hosts. */
  subnetIds?: string | null;
  securityGroupIds?: string | null;
  /** Base URL of the published docs for runbook links in alarm descriptions. */
  runbookBase?: string | null;
}

type Cfn = Record<string, unknown>;

const ACCOUNT = { Ref: 'AWS::AccountId' };
const PARTITION = { Ref: 'AWS::Partition' };
const arn = (...parts: unknown[]): Cfn => ({ 'Fn::Join': ['', parts] });

/** Seconds the monitor function may run: the cycle's deadline plus time to publish and page. */
const MONITOR_MARGIN_SECONDS = 15;
const FAILOVER_TIMEOUT_SECONDS = 900;
/** What the state store does with a table (lib/state/dynamo.ts). */
const STATE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
] as const;

const splitIds = (value: string | null | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);

/** Names of everything the stack creates, derived from cluster and site so two deployments never collide. */
export const stackNames = (topology: Topology, input: Pick<StackInput, 'site' | 'stage'>) => {
  const base = stackBaseName(topology.cluster, input.site, input.stage);
  return {
    base,
    stack: base,
    table: siteStateTableName(topology.cluster, input.site, input.stage),
    topic: `${base}-pages`,
    alarmsTopic: `${base}-alarms`,
    dashboard: base,
    monitorFunction: `${base}-monitor`,
    failoverFunction: `${base}-failover`,
  };
};

const logStatement = (region: string, functionName: string): Cfn => ({
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [arn('arn:', PARTITION, `:logs:${region}:`, ACCOUNT, `:log-group:/aws/lambda/${functionName}:*`)],
});

/**
 * Statements for the secrets the topology references: exactly those parameters and secrets; with
 * `onlySite`, that site's only (the monitor reads its own site's secrets, in its own region).
 */
const secretStatements = (topology: Topology, onlySite?: string): Cfn[] => {
  const ssm = new Set<string>();
  const secrets = new Set<string>();
  for (const site of topology.sites.filter((s) => onlySite === undefined || s.name === onlySite)) {
    for (const replica of site.replicas) {
      const ref = replica.password;
      if (ref && typeof ref === 'object' && 'ssm' in ref) ssm.add(ref.ssm);
      if (ref && typeof ref === 'object' && 'secretsManager' in ref) secrets.add(ref.secretsManager);
    }
  }
  const statements: Cfn[] = [];
  if (ssm.size > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [...ssm].map((name) =>
        name.startsWith('arn:')
          ? name
          : arn('arn:', PARTITION, ':ssm:*:', ACCOUNT, `:parameter${name.startsWith('/') ? '' : '/'}${name}`),
      ),
    });
  }
  if (secrets.size > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      // A secret's ARN ends in a random 6-character suffix.
      Resource: [...secrets].map((id) =>
        id.startsWith('arn:')
          ? id
          : arn('arn:', PARTITION, ':secretsmanager:*:', ACCOUNT, `:secret:${id}-??????`),
      ),
    });
  }
  return statements;
};

/** The monitor leaves its site verdict in every other site's state table, in that site's region. */
const peerVerdictStatement = (topology: Topology, self: string, stage: string): Cfn[] => {
  const others = topology.sites.filter((site) => site.name !== self);
  return others.length === 0
    ? []
    : [
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Resource: others.map((site) =>
            arn(
              'arn:',
              PARTITION,
              `:dynamodb:${site.region}:`,
              ACCOUNT,
              `:table/${siteStateTableName(topology.cluster, site.name, stage)}`,
            ),
          ),
        },
      ];
};

/** The ARNs of the sites' EC2 instances (topology `instanceId`), each in its own site's region. */
const instanceArns = (sites: readonly Site[]): Cfn[] =>
  sites.flatMap((site) =>
    [...site.replicas, ...site.coordination].flatMap((host) =>
      host.instanceId
        ? [arn('arn:', PARTITION, `:ec2:${site.region}:`, ACCOUNT, `:instance/${host.instanceId}`)]
        : [],
    ),
  );

/** Force-stop of instances (fencing), and the wait for them; DescribeInstances has no resource-level permissions. */
const instanceStopStatements = (instances: Cfn[]): Cfn[] =>
  instances.length === 0
    ? []
    : [
        { Effect: 'Allow', Action: ['ec2:StopInstances'], Resource: instances },
        { Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: '*' },
      ];

/** The monitor's fence guard stops what of its OWN site came back while fenced, and nothing else. */
const ownSiteFenceStatements = (topology: Topology, self: string): Cfn[] =>
  instanceStopStatements(instanceArns(topology.sites.filter((site) => site.name === self)));

/** SSM Run Command and EC2 stop (fencing) on the topology's instances (in their own regions), Route 53 on the one record, hooks. */
const failoverStatements = (topology: Topology): Cfn[] => {
  const statements: Cfn[] = [];
  const instances = instanceArns(topology.sites);
  if (instances.length > 0) {
    const regions = [...new Set(topology.sites.map((site) => site.region))];
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:SendCommand'],
      Resource: [
        ...instances,
        ...regions.map((region) => arn('arn:', PARTITION, `:ssm:${region}::document/AWS-RunShellScript`)),
      ],
    });
    // These do not support resource-level permissions.
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:CancelCommand'],
      Resource: '*',
    });
    // Fencing an unreachable site: force-stop its instances through its own region's EC2 API.
    statements.push(...instanceStopStatements(instances));
  }
  const route53 = topology.failover.route53;
  if (route53) {
    const record = route53.recordName.replace(/\.$/, '').toLowerCase();
    statements.push({
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets'],
      Resource: arn('arn:', PARTITION, `:route53:::hostedzone/${route53.hostedZoneId}`),
      Condition: {
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [record] },
      },
    });
    statements.push({
      Effect: 'Allow',
      Action: ['route53:ListResourceRecordSets'],
      Resource: arn('arn:', PARTITION, `:route53:::hostedzone/${route53.hostedZoneId}`),
    });
    statements.push({
      Effect: 'Allow',
      Action: ['route53:GetChange'],
      Resource: arn('arn:', PARTITION, ':route53:::change/*'),
    });
  }
  const hooks = [...topology.failover.hooks.pre, ...topology.failover.hooks.post].flatMap((hook) =>
    'lambda' in hook ? [hook.lambda] : [],
  );
  if (hooks.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: hooks.map((fn) =>
        fn.startsWith('arn:') ? fn : arn('arn:', PARTITION, ':lambda:*:', ACCOUNT, `:function:${fn}`),
      ),
    });
  }
  return statements;
};

/**
 * One authority per run: the failover function keeps a run's lock and journal in the TARGET site's table
 * (in that site's region) and writes the live roles to every site's table; a run that may not fit in one
 * invocation continues in an asynchronous invocation of the function itself.
 */
const runAuthorityStatements = (
  topology: Topology,
  input: Pick<StackInput, 'site' | 'stage' | 'region'>,
  functionName: string,
): Cfn[] => [
  {
    Effect: 'Allow',
    Action: [...STATE_TABLE_ACTIONS],
    Resource: topology.sites
      .filter((other) => other.name !== input.site)
      .map((other) =>
        arn(
          'arn:',
          PARTITION,
          `:dynamodb:${other.region}:`,
          ACCOUNT,
          `:table/${siteStateTableName(topology.cluster, other.name, input.stage)}`,
        ),
      ),
  },
  {
    Effect: 'Allow',
    Action: ['lambda:InvokeFunction'],
    Resource: arn('arn:', PARTITION, `:lambda:${input.region}:`, ACCOUNT, `:function:${functionName}`),
  },
];

const role = (
  name: string,
  functionName: string,
  region: string,
  extra: Cfn[],
  namespace: string,
  vpc: boolean,
): Cfn => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    },
    // ENI permissions for a function in a VPC (they cannot be scoped to resources).
    ...(vpc
      ? {
          ManagedPolicyArns: [
            arn('arn:', PARTITION, ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole'),
          ],
        }
      : {}),
    Policies: [
      {
        PolicyName: name,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            logStatement(region, functionName),
            {
              Effect: 'Allow',
              Action: ['cloudwatch:PutMetricData'],
              Resource: '*',
              Condition: { StringEquals: { 'cloudwatch:namespace': namespace } },
            },
            { Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'PagesTopic' } },
            {
              Effect: 'Allow',
              Action: [...STATE_TABLE_ACTIONS],
              Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
            },
            ...extra,
          ],
        },
      },
    ],
  },
});

export const buildStack = (input: StackInput) => {
  const configPath = resolve(input.serviceDir, input.config);
  const topology = parseTopologyText(readFileSync(configPath, 'utf8'), input.config);
  const site = topology.sites.find((candidate) => candidate.name === input.site);
  if (!site) {
    throw new Error(
      `--param site=${input.site}: the topology lists ${topology.sites.map((s) => s.name).join(', ')}`,
    );
  }
  if (site.region !== input.region) {
    throw new Error(
      `site ${site.name} runs in ${site.region} (topology) but this deployment targets --region ${input.region}`,
    );
  }
  const names = stackNames(topology, input);
  const periodSeconds = schedulePeriodSeconds(topology.schedule);
  const cycleSeconds = Math.ceil(topology.timeouts.cycleMs / 1000);
  const singleCycleTimeout = cycleSeconds + MONITOR_MARGIN_SECONDS;
  if (singleCycleTimeout > periodSeconds) {
    throw new Error(
      `timeouts.cycleMs ${topology.timeouts.cycleMs} leaves no room in a ${periodSeconds} s schedule; lower it`,
    );
  }
  // Room for the confirming re-probe (lib/agent) where the schedule is long; never past the period.
  const monitorTimeout =
    periodSeconds >= REPROBE_MIN_PERIOD_SECONDS
      ? Math.min(periodSeconds, singleCycleTimeout + topology.alerts.confirmSeconds + cycleSeconds)
      : singleCycleTimeout;
  const subnetIds = splitIds(input.subnetIds);
  const securityGroupIds = splitIds(input.securityGroupIds);
  if ((subnetIds.length === 0) !== (securityGroupIds.length === 0)) {
    throw new Error('give both --param subnetIds=... and --param securityGroupIds=..., or neither');
  }
  const inVpc = subnetIds.length > 0;
  const secrets = secretStatements(topology);
  const alarms = alarmInstances(
    topology,
    site.name,
    input.runbookBase ? { runbookBase: input.runbookBase } : {},
  );

  return {
    names,
    cluster: topology.cluster,
    site: site.name,
    region: site.region,
    namespace: topology.metrics.namespace,
    schedule: topology.schedule,
    monitorTimeout,
    failoverTimeout: FAILOVER_TIMEOUT_SECONDS,
    config: input.config,
    /**
     * Function-level `role`s. `Fn::Sub` rather than a logical id: for a logical id osls adds a `DependsOn`
     * the `GetAtt` already implies, which cfn-lint flags (W3005).
     */
    roles: {
      monitor: { 'Fn::Sub': '${MonitorRole.Arn}' },
      failover: { 'Fn::Sub': '${FailoverRole.Arn}' },
    },
    /** Function-level `vpc`: `false` keeps the functions out of any VPC. */
    vpc: inVpc ? { subnetIds, securityGroupIds } : (false as const),
    environment: {
      CHDR_CONFIG: input.config,
      CHDR_CLUSTER: topology.cluster,
      CHDR_SITE: site.name,
      CHDR_STATE_TABLE: { Ref: 'StateTable' },
      CHDR_TOPIC_ARN: { Ref: 'PagesTopic' },
      CHDR_STAGE: input.stage,
      POWERTOOLS_SERVICE_NAME: 'chdr',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...(input.runbookBase ? { CHDR_RUNBOOK_BASE: input.runbookBase } : {}),
    },
    /** CloudFormation generated from the topology and the catalog, merged into `resources`. */
    resources: {
      Resources: {
        MonitorRole: role(
          'chdr-monitor',
          names.monitorFunction,
          site.region,
          [
            ...secretStatements(topology, site.name),
            ...peerVerdictStatement(topology, site.name, input.stage),
            ...ownSiteFenceStatements(topology, site.name),
          ],
          topology.metrics.namespace,
          inVpc,
        ),
        FailoverRole: role(
          'chdr-failover',
          names.failoverFunction,
          site.region,
          [
            ...secrets,
            ...failoverStatements(topology),
            ...runAuthorityStatements(topology, input, names.failoverFunction),
          ],
          topology.metrics.namespace,
          inVpc,
        ),
        ...alarmResources(alarms, { backstop: { Ref: 'PagesTopic' }, others: { Ref: 'AlarmsTopic' } }),
        // One dashboard for both regions, in the standby's stack (lib/metrics/cost.ts dashboardSite).
        ...(dashboardSite(topology) === site.name
          ? {
              Dashboard: {
                Type: 'AWS::CloudWatch::Dashboard',
                Properties: {
                  DashboardName: names.dashboard,
                  DashboardBody: dashboardBody(topology, site.region),
                },
              },
            }
          : {}),
      },
    },
  };
};

export type Stack = ReturnType<typeof buildStack>;
