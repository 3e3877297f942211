import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
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
 * The optional write-endpoint switch (Route 53) and the SNS notices against moto, on a simulated
 * cluster: the record (plain, CNAME, alias, or a member of a weighted set) follows the failover. The
 * switch comes after the point of no return (the repoint), so a later failure keeps it and resumes forward.
 */

const RECORD = 'clickhouse-write.local.internal';
const FAILOVER = { kind: 'failover', from: 'primary', to: 'standby' } as const;
let moto: MotoServer;
let route53: Route53Client;

/** Every endpoint record set of RECORD (A, AAAA, CNAME), as Route 53 lists them. */
const endpointSets = async (zoneId: string): Promise<ResourceRecordSet[]> => {
  const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return (out.ResourceRecordSets ?? []).filter(
    (set) => set.Name === `${RECORD}.` && ['A', 'AAAA', 'CNAME'].includes(set.Type ?? ''),
  );
};

/** A zone holding `sets` (and `lb.local.internal`, a name for alias records to point at). */
const zoneWith = async (...sets: ResourceRecordSet[]): Promise<string> => {
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'local.internal', CallerReference: `chdr-${Math.random()}` }),
  );
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  const lb: ResourceRecordSet = {
    Name: 'lb.local.internal',
    Type: 'A',
    TTL: 60,
    ResourceRecords: [{ Value: '10.0.0.7' }],
  };
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        // UPSERT, not CREATE: moto 5.2 refuses a later CREATE of a record set its journal saw CREATEd
        // before (even when deleted since), which is what a rollback to the original record sends.
        Changes: [lb, ...sets].map((set) => ({ Action: 'UPSERT', ResourceRecordSet: set })),
      },
    }),
  );
  return zoneId;
};

const plainA = (value: string): ResourceRecordSet => ({
  Name: RECORD,
  Type: 'A',
  TTL: 30,
  ResourceRecords: [{ Value: value }],
});

/** The simulated standby replica is 127.0.0.1. */
const simWithRoute53 = (zoneId: string, extra = '') =>
  new SimCluster({
    failoverExtra: `  route53: { hostedZoneId: ${zoneId}, recordName: ${RECORD}, ttl: 30${extra} }\n`,
  });

/** Runs a failover of the simulated cluster with the primary site down; `failInserts` forces a rollback. */
const failover = async (zoneId: string, options: { extra?: string; failInserts?: boolean } = {}) => {
  const sim = simWithRoute53(zoneId, options.extra);
  sim.stopSite('primary');
  sim.failInserts = options.failInserts ?? false;
  const report = await executeOperation(sim.topology, FAILOVER, sim.deps({ route53 }));
  return { report, step: report.record.steps.find((s) => s.stepId === 'write-endpoint') };
};

beforeAll(async () => {
  moto = await startMoto();
  route53 = new Route53Client(awsClientConfig(moto.endpoint));
});

afterAll(async () => {
  route53?.destroy();
  await moto?.stop();
});

describe('write endpoint on Route 53 (moto)', () => {
  it('replaces the record by one pointing at the healthy standby replica, and shows it in the plan', async () => {
    const zoneId = await zoneWith(plainA('10.0.0.1'));
    const sim = simWithRoute53(zoneId);
    sim.stopSite('primary');
    const deps = sim.deps({ route53 });

    expect(formatPlan(await planOperation(sim.topology, FAILOVER, deps))).toContain(
      `ChangeResourceRecordSets ${zoneId}: replace ${RECORD} (now A 10.0.0.1 TTL 30) by the first healthy of ch3 A 127.0.0.1, TTL 30`,
    );
    const report = await executeOperation(sim.topology, FAILOVER, deps);

    expect(report.result).toBe('succeeded');
    expect(report.record.steps.find((s) => s.stepId === 'write-endpoint')).toMatchObject({
      state: 'verified',
      output: `${RECORD}: A 10.0.0.1 TTL 30 -> A 127.0.0.1 TTL 30 (ch3)`,
    });
    expect(report.record.facts.writeEndpoint).toBe('ch3');
    expect(await endpointSets(zoneId)).toMatchObject([
      { Type: 'A', ResourceRecords: [{ Value: '127.0.0.1' }] },
    ]);
  });

  it('keeps the new value when verification fails after the point of no return, and the run resumes forward', async () => {
    const zoneId = await zoneWith(plainA('10.0.0.1'));
    const sim = simWithRoute53(zoneId);
    sim.stopSite('primary');
    sim.failInserts = true;
    const run = () => executeOperation(sim.topology, FAILOVER, sim.deps({ route53 }));

    const stopped = await run();

    expect(stopped.result, stopped.message).toBe('failed');
    expect(stopped.message).toMatch(/after the point of no return \(repoint-standby\)/);
    expect(stopped.record.steps.find((s) => s.stepId === 'write-endpoint')?.state).toBe('verified');
    expect(await endpointSets(zoneId)).toMatchObject([
      { Type: 'A', ResourceRecords: [{ Value: '127.0.0.1' }] },
    ]);

    sim.failInserts = false;
    const resumed = await run();
    expect(resumed.result, resumed.message).toBe('succeeded');
    expect(resumed.runId).toBe(stopped.runId);
    expect(await endpointSets(zoneId)).toMatchObject([
      { Type: 'A', ResourceRecords: [{ Value: '127.0.0.1' }] },
    ]);
  });

  it('switches a CNAME to an A record (DELETE + CREATE in one batch)', async () => {
    const zoneId = await zoneWith({
      Name: RECORD,
      Type: 'CNAME',
      TTL: 60,
      ResourceRecords: [{ Value: 'ch1.primary.internal' }],
    });

    expect((await failover(zoneId)).report.result).toBe('succeeded');

    expect(await endpointSets(zoneId)).toMatchObject([
      { Type: 'A', ResourceRecords: [{ Value: '127.0.0.1' }] },
    ]);
  });

  it('reads an alias record as what it is and replaces it', async () => {
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
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: RECORD,
                Type: 'A',
                AliasTarget: {
                  HostedZoneId: zoneId,
                  DNSName: 'lb.local.internal',
                  EvaluateTargetHealth: false,
                },
              },
            },
          ],
        },
      }),
    );

    const { report, step } = await failover(zoneId);

    expect(report.result).toBe('succeeded');
    expect(step?.output.split('\n')[0]).toBe(
      `${RECORD}: A alias lb.local.internal -> A 127.0.0.1 TTL 30 (ch3)`,
    );
    const [replaced] = await endpointSets(zoneId);
    expect(replaced?.AliasTarget).toBeUndefined();
    expect(replaced?.ResourceRecords).toEqual([{ Value: '127.0.0.1' }]);
  });

  it('switches the configured member of a weighted set and keeps its weight; the other member stays', async () => {
    const member = (id: string, weight: number, value: string): ResourceRecordSet => ({
      ...plainA(value),
      SetIdentifier: id,
      Weight: weight,
    });
    const zoneId = await zoneWith(member('main', 100, '10.0.0.1'), member('canary', 0, '10.0.0.9'));

    const { report } = await failover(zoneId, { extra: ', setIdentifier: main' });

    expect(report.result).toBe('succeeded');
    const sets = await endpointSets(zoneId);
    expect(sets.find((s) => s.SetIdentifier === 'main')).toMatchObject({
      Weight: 100,
      ResourceRecords: [{ Value: '127.0.0.1' }],
    });
    expect(sets.find((s) => s.SetIdentifier === 'canary')).toMatchObject({
      Weight: 0,
      ResourceRecords: [{ Value: '10.0.0.9' }],
    });
  });

  it('refuses a routing policy set when the config names no member, changing nothing (the run stays open)', async () => {
    const zoneId = await zoneWith({ ...plainA('10.0.0.1'), SetIdentifier: 'main', Weight: 100 });

    const { report, step } = await failover(zoneId);

    expect(report.result).toBe('failed');
    expect(step?.error?.message).toContain('SetIdentifier main');
    expect(step?.error?.message).toContain('failover.route53.setIdentifier');
    expect(await endpointSets(zoneId)).toMatchObject([
      { SetIdentifier: 'main', ResourceRecords: [{ Value: '10.0.0.1' }] },
    ]);
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
