import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeOperation, FAILOVER_ERROR_CODES, listRuns } from '../../lib/failover/index.js';
import { DynamoStateStore } from '../../lib/state/index.js';
import { awsClientConfig, startMoto, type MotoServer } from '../support/moto.js';
import { SimCluster } from '../unit/failover/fake-cluster.js';

/** The DynamoDB state store against moto: conditional writes on `version`, TTL attribute `expiresAt`. */

let moto: MotoServer;
let client: DynamoDBClient;
let table = 0;

const newTable = async (): Promise<string> => {
  const name = `chdr-state-${(table += 1)}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  return name;
};

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient(awsClientConfig(moto.endpoint));
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('DynamoStateStore on moto', () => {
  it('creates, reads and updates items with conditional writes on version', async () => {
    const store = new DynamoStateStore({ client, tableName: await newTable() });

    const created = await store.put(
      'failover#lock',
      { holder: 'a' },
      { expectedVersion: 0, ttlSeconds: 900 },
    );
    expect(created).toEqual({ key: 'failover#lock', value: { holder: 'a' }, version: 1 });
    expect(await store.put('failover#lock', { holder: 'b' }, { expectedVersion: 0 })).toBeUndefined();
    expect(
      await store.put('failover#lock', { holder: 'a' }, { expectedVersion: 1, ttlSeconds: 900 }),
    ).toMatchObject({ version: 2 });
    expect(await store.put('failover#lock', { holder: 'c' }, { expectedVersion: 1 })).toBeUndefined();
    expect(await store.get('failover#lock')).toEqual({
      key: 'failover#lock',
      value: { holder: 'a' },
      version: 2,
    });
    expect(await store.put('plain', [1, 2])).toMatchObject({ version: 1 });
    expect(await store.put('plain', [3])).toMatchObject({ version: 2 });
    expect(await store.delete('failover#lock', { expectedVersion: 1 })).toBe(false);
    expect(await store.delete('failover#lock', { expectedVersion: 2 })).toBe(true);
    expect(await store.delete('failover#lock')).toBe(false);
  });

  it('treats an item past expiresAt as absent, though moto never deletes it', async () => {
    let now = Date.parse('2026-05-23T10:00:00Z');
    const store = new DynamoStateStore({ client, tableName: await newTable(), clock: { now: () => now } });
    await store.put('lock', 'x', { expectedVersion: 0, ttlSeconds: 60 });

    now += 61_000;

    expect(await store.get('lock')).toBeUndefined();
    expect(await store.put('lock', 'y', { expectedVersion: 0, ttlSeconds: 60 })).toMatchObject({
      value: 'y',
      version: 1,
    });
  });

  it('lists by key prefix, in key order, across scan pages', async () => {
    const store = new DynamoStateStore({ client, tableName: await newTable() });
    for (const key of ['failover#run#b', 'paging#x', 'failover#run#a', 'failover#run#c'])
      await store.put(key, { key });

    expect((await store.list('failover#run#')).map((item) => item.key)).toEqual([
      'failover#run#a',
      'failover#run#b',
      'failover#run#c',
    ]);
  });

  it('holds the failover lock and journal: a run goes through, a second holder is refused', async () => {
    const sim = new SimCluster();
    sim.stopSite('primary');
    const store = new DynamoStateStore({ client, tableName: await newTable() });
    const request = { kind: 'failover', from: 'primary', to: 'standby' } as const;

    const report = await executeOperation(sim.topology, request, { ...sim.deps(), store });
    expect(report.result).toBe('succeeded');
    expect((await listRuns(store)).map((run) => run.result)).toEqual(['succeeded']);

    await store.put(
      'failover#lock',
      {
        holder: 'bob@elsewhere pid 7',
        host: 'elsewhere',
        pid: 7,
        runId: 'r9',
        operation: 'failover primary->standby',
        since: '2026-05-23T10:00:00.000Z',
      },
      { ttlSeconds: 900 },
    );
    await expect(executeOperation(sim.topology, request, { ...sim.deps(), store })).rejects.toMatchObject({
      code: FAILOVER_ERROR_CODES.locked,
      message: expect.stringContaining('bob@elsewhere pid 7 since 2026-05-23T10:00:00.000Z'),
    });
  });
});
