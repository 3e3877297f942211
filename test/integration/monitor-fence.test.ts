import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import type { MonitorSummary } from '../../lib/lambda/index.js';
import { FENCE_METHODS, writeRoles, type ClusterRoles } from '../../lib/roles/index.js';
import { DynamoStateStore, siteStateTableName } from '../../lib/state/index.js';
import {
  awsClientConfig,
  createStateTable,
  startMoto,
  subscribedQueue,
  useFunctionEnvironment,
  type MotoServer,
} from '../support/moto.js';

// Issue 11.2 in AWS: the returning region's monitor sees the fence on its first cycle, force-stops its own
// site's instances that still run (EC2 on moto), and pages "old primary back, fenced" once. The servers it
// finds answering are the shared test cluster's: to the guard they are the fenced site come back.
const REGIONS = { primary: 'us-east-1', standby: 'us-west-2' } as const;
type SiteName = keyof typeof REGIONS;
const RUN_ID = 'run-fence-monitor';

let moto: MotoServer;
let topologyPath: string;
let topicArn: string;
let notices: Awaited<ReturnType<typeof subscribedQueue>>;
/** Node name -> its instance in moto, in its site's region. */
const instances = new Map<string, { id: string; region: string }>();
const clients: EC2Client[] = [];

const ec2 = (region: string): EC2Client => {
  const client = new EC2Client(awsClientConfig(moto.endpoint, region));
  clients.push(client);
  return client;
};

const stateOf = async (node: string): Promise<string | undefined> => {
  const { id, region } = instances.get(node)!;
  const reply = await ec2(region).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return reply.Reservations?.[0]?.Instances?.[0]?.State?.Name;
};

const context = {
  functionName: 'chdr-local-primary-monitor',
  awsRequestId: 'req-fence',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const event = {
  id: 'evt',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
} as unknown as ScheduledEvent;

beforeAll(async () => {
  moto = await startMoto();
  // The test cluster's topology, every host on an EC2 instance of its site's region.
  const raw = parse(readFileSync(inject('topologyPath'), 'utf8')) as {
    sites: {
      name: SiteName;
      region: string;
      replicas: { name: string; instanceId?: string }[];
      coordination: { name: string; instanceId?: string }[];
    }[];
  };
  for (const site of raw.sites) {
    site.region = REGIONS[site.name];
    for (const host of [...site.replicas, ...site.coordination]) {
      const reply = await ec2(site.region).send(
        new RunInstancesCommand({
          ImageId: 'ami-12c6146b',
          InstanceType: 't3.small',
          MinCount: 1,
          MaxCount: 1,
        }),
      );
      host.instanceId = reply.Instances![0]!.InstanceId!;
      instances.set(host.name, { id: host.instanceId, region: site.region });
    }
  }
  topologyPath = join(mkdtempSync(join(tmpdir(), 'chdr-monitor-fence-')), 'topology.yaml');
  writeFileSync(topologyPath, stringify(raw));

  const config = awsClientConfig(moto.endpoint, REGIONS.primary);
  const dynamo = new DynamoDBClient(config);
  const table = siteStateTableName('local', 'primary');
  await createStateTable(dynamo, table);
  const sns = new SNSClient(config);
  ({ TopicArn: topicArn } = (await sns.send(new CreateTopicCommand({ Name: 'pages-primary' }))) as {
    TopicArn: string;
  });
  notices = await subscribedQueue(sns, new SQSClient(config), topicArn, 'on-call-primary');

  // What a forced failover left in the primary region's table: standby is primary, primary fenced.
  const primaryNodes = raw.sites
    .find((site) => site.name === 'primary')!
    .replicas.concat(raw.sites.find((site) => site.name === 'primary')!.coordination)
    .map((host) => host.name);
  const roles: ClusterRoles = {
    cluster: 'local',
    primary: 'standby',
    since: new Date().toISOString(),
    runId: RUN_ID,
    operation: 'failover',
    voters: ['zk4'],
    fenced: [
      {
        site: 'primary',
        nodes: primaryNodes,
        method: FENCE_METHODS.instanceStopped,
        runId: RUN_ID,
        at: new Date().toISOString(),
        by: 'test',
      },
    ],
  };
  const written = await writeRoles(
    () => new DynamoStateStore({ client: dynamo, tableName: table }),
    ['primary'],
    roles,
  );
  expect(written.failed).toEqual([]);
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

describe('the deployed monitor of a fenced site (moto)', () => {
  it('stops its own running instances and pages "old primary back, fenced" exactly once', async () => {
    const restore = useFunctionEnvironment(moto, REGIONS.primary, {
      config: topologyPath,
      site: 'primary',
      stateTable: siteStateTableName('local', 'primary'),
      topicArn,
    });
    try {
      for (const node of instances.keys()) expect(await stateOf(node)).toBe('running');
      vi.resetModules();
      const { handler } = (await import('../../functions/monitor.js')) as {
        handler: (event: ScheduledEvent, context: Context) => Promise<MonitorSummary>;
      };

      await handler(event, context);

      for (const node of ['ch1', 'ch2', 'zk1', 'zk2', 'zk3'])
        expect(['stopping', 'stopped'], node).toContain(await stateOf(node));
      // The other site's instances are not this agent's to stop.
      expect(await stateOf('ch3')).toBe('running');
      expect(await stateOf('zk4')).toBe('running');

      await handler(event, context); // the servers still answer: fenced again, not paged again
    } finally {
      restore();
    }
    const fencePages = (await notices.take()).filter((n) =>
      /old primary primary back, fenced/.test(n.Subject ?? ''),
    );
    expect(fencePages).toHaveLength(1);
    expect(fencePages[0]!.Message).toContain(`fenced by run ${RUN_ID}`);
    expect(fencePages[0]!.Message).toMatch(
      /found .*ch1.* serving: ch1: EC2 i-\w+ in us-east-1 is (stopping|stopped)/,
    );
    expect(fencePages[0]!.MessageAttributes!['event']!.Value).toBe('fenced');
  }, 120_000);
});
