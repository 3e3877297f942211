import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2InstanceFencer } from '../../lib/fence/index.js';
import { awsClientConfig, startMoto, type MotoServer } from '../support/moto.js';

/** The instance fencer against moto's EC2: StopInstances with Force in the node's own region, then waits. */

let moto: MotoServer;
const clients: EC2Client[] = [];

const ec2 = (region: string): EC2Client => {
  const client = new EC2Client(awsClientConfig(moto.endpoint, region));
  clients.push(client);
  return client;
};

const launch = async (region: string): Promise<string> => {
  const reply = await ec2(region).send(
    new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.small', MinCount: 1, MaxCount: 1 }),
  );
  return reply.Instances![0]!.InstanceId!;
};

const stateOf = async (region: string, id: string): Promise<string | undefined> =>
  (await ec2(region).send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
    ?.Instances?.[0]?.State?.Name;

const fencer = () => new Ec2InstanceFencer({ clientFor: async (region) => ec2(region), pollIntervalMs: 100 });

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

describe('the EC2 instance fencer', () => {
  it("force-stops the old site's instances in their own region and confirms once they are stopping or stopped", async () => {
    const zk1 = await launch('us-west-2');
    const ch1 = await launch('us-west-2');

    const outcomes = await fencer().fence(
      [
        { name: 'zk1', instanceId: zk1, region: 'us-west-2' },
        { name: 'ch1', instanceId: ch1, region: 'us-west-2' },
      ],
      { runId: 'run-1', note: 'forced failover', timeoutMs: 10_000 },
    );

    expect(outcomes).toEqual([
      {
        node: 'zk1',
        confirmed: true,
        detail: expect.stringMatching(new RegExp(`EC2 ${zk1} in us-west-2 is (stopping|stopped)`)),
      },
      { node: 'ch1', confirmed: true, detail: expect.stringMatching(/is (stopping|stopped)/) },
    ]);
    expect(['stopping', 'stopped']).toContain(await stateOf('us-west-2', zk1));
    expect(await stateOf('us-west-2', ch1)).not.toBe('running');
  });

  it('does not confirm a node without an instanceId or an instance its region does not know', async () => {
    const elsewhere = await launch('eu-west-1');

    const outcomes = await fencer().fence(
      [
        { name: 'zk2', region: 'us-east-1' },
        { name: 'zk3', instanceId: elsewhere, region: 'us-east-1' },
      ],
      { runId: 'run-2', note: 'forced failover', timeoutMs: 5_000 },
    );

    expect(outcomes).toEqual([
      { node: 'zk2', confirmed: false, reason: 'no instanceId in the topology' },
      {
        node: 'zk3',
        confirmed: false,
        reason: expect.stringMatching(/EC2 StopInstances in us-east-1 failed: .*does not exist/),
      },
    ]);
    expect(await stateOf('eu-west-1', elsewhere)).toBe('running');
  });

  it('reports an EC2 API that cannot be reached as not confirmed, without throwing', async () => {
    const unreachable = new Ec2InstanceFencer({
      clientFor: async (region) =>
        new EC2Client({ ...awsClientConfig('http://127.0.0.1:9', region), maxAttempts: 1 }),
    });

    const outcomes = await unreachable.fence(
      [{ name: 'zk1', instanceId: 'i-0123456789abcdef0', region: 'us-east-1' }],
      {
        runId: 'run-3',
        note: 'forced failover',
        timeoutMs: 5_000,
      },
    );

    expect(outcomes).toEqual([
      {
        node: 'zk1',
        confirmed: false,
        reason: expect.stringMatching(/^EC2 StopInstances in us-east-1 failed: /),
      },
    ]);
  });
});
