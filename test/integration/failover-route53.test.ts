import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { CreateTopicCommand, SNSClient, type PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executeOperation,
  planOperation,
  formatPlan,
  SnsFailoverNotifier,
} from '../../lib/failover/index.js';
import { awsClientConfig, startMoto, type MotoServer } from '../support/moto.js';
import { SimCluster } from '../unit/failover/fake-cluster.js';

/**
 * The optional write-endpoint switch (Route 53 UPSERT) and the SNS notices against moto, on a simulated
 * cluster: the record follows the failover, and goes back when the run rolls back.
 */

const RECORD = 'clickhouse-write.local.internal';
let moto: MotoServer;
let route53: Route53Client;

const recordValue = async (zoneId: string): Promise<string | undefined> => {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return out.ResourceRecordSets?.find((set) => set.Name === `${RECORD}.` && set.Type === 'A')
    ?.ResourceRecords?.[0]?.Value;
};

const zoneWithRecord = async (value: string): Promise<string> => {
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'local.internal', CallerReference: `chdr-${Math.random()}` }),
  );
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: { Name: RECORD, Type: 'A', TTL: 30, ResourceRecords: [{ Value: value }] },
          },
        ],
      },
    }),
  );
  return zoneId;
};

/** The record starts at the old primary's address (10.0.0.1); the simulated standby replica is 127.0.0.1. */
const simWithRoute53 = (zoneId: string) =>
  new SimCluster({
    failoverExtra: `  route53: { hostedZoneId: ${zoneId}, recordName: ${RECORD}, ttl: 30 }\n`,
  });

beforeAll(async () => {
  moto = await startMoto();
  route53 = new Route53Client(awsClientConfig(moto.endpoint));
});

afterAll(async () => {
  route53?.destroy();
  await moto?.stop();
});

describe('write endpoint on Route 53 (moto)', () => {
  it('UPSERTs the record to the new primary and shows the change in the plan', async () => {
    const zoneId = await zoneWithRecord('10.0.0.1');
    const sim = simWithRoute53(zoneId);
    sim.stopSite('primary');
    const deps = sim.deps({ route53 });

    expect(
      formatPlan(
        await planOperation(sim.topology, { kind: 'failover', from: 'primary', to: 'standby' }, deps),
      ),
    ).toContain(`ChangeResourceRecordSets ${zoneId}: UPSERT ${RECORD} A 127.0.0.1 TTL 30`);
    const report = await executeOperation(
      sim.topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      deps,
    );

    expect(report.result).toBe('succeeded');
    expect(report.record.steps.find((s) => s.stepId === 'write-endpoint')).toMatchObject({
      state: 'verified',
      output: `${RECORD}: 10.0.0.1 -> 127.0.0.1`,
    });
    expect(await recordValue(zoneId)).toBe('127.0.0.1');
  });

  it('keeps the new value when verification fails after the point of no return, and the run resumes forward', async () => {
    const zoneId = await zoneWithRecord('10.0.0.1');
    const sim = simWithRoute53(zoneId);
    sim.stopSite('primary');
    sim.failInserts = true;
    const failover = () =>
      executeOperation(
        sim.topology,
        { kind: 'failover', from: 'primary', to: 'standby' },
        sim.deps({ route53 }),
      );

    const stopped = await failover();

    expect(stopped.result, stopped.message).toBe('failed');
    expect(stopped.message).toMatch(/after the point of no return \(repoint-standby\)/);
    expect(stopped.record.steps.find((s) => s.stepId === 'write-endpoint')?.state).toBe('verified');
    expect(await recordValue(zoneId)).toBe('127.0.0.1');

    sim.failInserts = false;
    const resumed = await failover();
    expect(resumed.result, resumed.message).toBe('succeeded');
    expect(resumed.runId).toBe(stopped.runId);
    expect(await recordValue(zoneId)).toBe('127.0.0.1');
  });
});

describe('SNS notices (moto)', () => {
  it('publishes at the start and the end of a run', async () => {
    const sns = new SNSClient(awsClientConfig(moto.endpoint));
    const published: string[] = [];
    const spy = {
      send: async (command: PublishCommand) => (
        published.push(command.input.Subject ?? ''),
        sns.send(command)
      ),
    };
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'chdr-pages' }));
    const sim = new SimCluster();
    sim.stopSite('primary');

    const report = await executeOperation(
      sim.topology,
      { kind: 'failover', from: 'primary', to: 'standby' },
      sim.deps({ notifier: new SnsFailoverNotifier(spy as never, TopicArn!) }),
    );

    expect(report.result).toBe('succeeded');
    expect(published).toEqual([
      'chdr local: failover primary->standby started',
      'chdr local: failover primary->standby finished: succeeded',
    ]);
  });
});
