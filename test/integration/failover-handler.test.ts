import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { FailoverLambdaResult } from '../../lib/failover/index.js';
import { readState } from '../../lib/localcluster/index.js';
import {
  awsClientConfig,
  createStateTable,
  startMoto,
  subscribedQueue,
  useFunctionEnvironment,
  type MotoServer,
} from '../support/moto.js';

// The failover function as deployed (middy, DynamoDB lock/journal, SNS) in plan mode against the shared
// test cluster: nothing may change without the exact confirmation string.
const REGION = 'us-west-2';
let moto: MotoServer;
let handler: (event: unknown, context: Context) => Promise<FailoverLambdaResult>;
let restoreEnv = () => {};
let notices: Awaited<ReturnType<typeof subscribedQueue>>;
const context = {
  functionName: 'chdr-local-standby-failover',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, REGION);
  const dynamo = new DynamoDBClient(config);
  await createStateTable(dynamo, 'chdr-local-standby-state');
  const sns = new SNSClient(config);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'chdr-local-standby-pages' }));
  notices = await subscribedQueue(sns, new SQSClient(config), TopicArn!, 'on-call');
  restoreEnv = useFunctionEnvironment(moto, REGION, {
    config: inject('topologyPath'),
    site: 'standby',
    stateTable: 'chdr-local-standby-state',
    topicArn: TopicArn!,
  });
  vi.resetModules();
  ({ handler } = (await import('../../functions/failover.js')) as { handler: typeof handler });
});

afterAll(async () => {
  restoreEnv();
  await moto?.stop();
});

describe('failover function', () => {
  it('only plans without the confirmation string, naming the string to send', async () => {
    const pidsBefore = (await readState(inject('clusterDir'))).nodes.map((node) => node.pid);

    const result = await handler({ action: 'failover', from: 'primary', to: 'standby' }, context);

    expect(result.mode).toBe('plan');
    expect(result.message).toContain('FAILOVER primary->standby');
    if (result.mode === 'plan') expect(result.planText).toMatch(/participant/);
    expect((await readState(inject('clusterDir'))).nodes.map((node) => node.pid)).toEqual(pidsBefore);
  });

  it('only plans when the confirmation string does not match', async () => {
    const result = await handler(
      { action: 'failover', from: 'primary', to: 'standby', confirm: 'FAILOVER standby->primary' },
      context,
    );
    expect(result).toMatchObject({ mode: 'plan' });
    expect(result.message).toMatch(/does not match "FAILOVER primary->standby"/);
  });

  it('lists the journal, empty before any run, with the roles as deployed', async () => {
    const history = await handler({ action: 'history' }, context);
    expect(history).toMatchObject({
      mode: 'history',
      runs: [],
      roles: { primary: 'primary', runId: null, fenced: [] },
    });
    expect(history.message).toMatch(/^primary: primary since .* \(as deployed\)/);
  });

  it('refuses a confirmed failover while the primary serves, changing nothing, and the notice reaches the topic', async () => {
    const pidsBefore = (await readState(inject('clusterDir'))).nodes.map((node) => node.pid);
    await notices.take();

    const result = await handler(
      { action: 'failover', from: 'primary', to: 'standby', confirm: 'FAILOVER primary->standby' },
      context,
    );

    expect(result, result.message).toMatchObject({ mode: 'executed', result: 'refused' });
    expect((await readState(inject('clusterDir'))).nodes.map((node) => node.pid)).toEqual(pidsBefore);
    // Read back from the queue subscribed to the topic: a Publish that failed would leave it empty.
    const messages = await notices.take();
    const events = messages.map(
      (message) => JSON.parse(message.MessageAttributes!['event']!.Value) as Record<string, unknown>,
    );
    // One incident, one notice: nothing changed, so no start and no failed-step notice, only the refusal.
    expect(messages.map((message) => message.Subject)).toEqual([
      'chdr local: failover primary->standby finished: refused',
    ]);
    expect(events[0]).toMatchObject({ kind: 'finished', result: 'refused', cluster: 'local' });
    expect(events[0]!['summary']).toBe(result.message);
  });

  it('rejects a malformed event with the field at fault', async () => {
    await expect(handler({ action: 'failover', form: 'primary' }, context)).rejects.toThrow(/form/);
  });
});
