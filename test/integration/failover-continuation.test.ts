import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { FailoverLambdaEvent, FailoverLambdaResult } from '../../lib/failover/index.js';
import { stopNode } from '../../lib/localcluster/index.js';
import { rolesKey, type ClusterRoles } from '../../lib/roles/index.js';
import { DynamoStateStore } from '../../lib/state/index.js';
import {
  awsClientConfig,
  createStateTable,
  MOTO_CREDENTIALS,
  startMoto,
  useFunctionEnvironment,
  type MotoServer,
} from '../support/moto.js';

/**
 * Issues 12.6 and 11.5 with the failover function as deployed (middy, DynamoDB on moto, the real local
 * cluster): a run continues in a second invocation when the first has too little time left, and a CLI run
 * and a function run of the same operation at the same time: exactly one proceeds, the other is refused
 * naming the holder. Both regions' tables exist on moto; the run's lock and journal live in the target
 * site's table. moto cannot run a Lambda function, so the test delivers the continuation event the handler
 * sends itself (captured through the handler's injected self-invoker) to the same handler.
 *
 * The operation is `recover --from standby --to primary` on the shared cluster with the standby's replica
 * ch3 stopped: recover starts it again (its other changes are already in place), so the cluster ends as
 * it started. A pre-hook `sleep 4` keeps the first run's lock held while the second one tries.
 */
const STANDBY_REGION = 'us-west-2';
const PRIMARY_REGION = 'us-east-1';
const TABLES = { primary: 'chdr-local-primary-state', standby: 'chdr-local-standby-state' };
const FUNCTION = 'chdr-local-standby-failover';
const CLI = resolve('bin/chdr.cjs');
const recover = {
  action: 'recover',
  from: 'standby',
  to: 'primary',
  confirm: 'RECOVER standby->primary',
} as const;

type Handler = (event: unknown, context: Context) => Promise<FailoverLambdaResult>;

let moto: MotoServer;
let topologyFile: string;
let handler: Handler;
let restoreEnv = () => {};
const continuations: FailoverLambdaEvent[] = [];
let primaryTable: DynamoStateStore;
let standbyTable: DynamoStateStore;

const contextOf = (requestId: string, remainingMs: () => number): Context =>
  ({
    functionName: FUNCTION,
    awsRequestId: requestId,
    invokedFunctionArn: `arn:aws:lambda:${STANDBY_REGION}:123456789012:function:${FUNCTION}`,
    getRemainingTimeInMillis: remainingMs,
  }) as unknown as Context;

beforeAll(async () => {
  moto = await startMoto();
  const primaryDynamo = new DynamoDBClient(awsClientConfig(moto.endpoint, PRIMARY_REGION));
  const standbyDynamo = new DynamoDBClient(awsClientConfig(moto.endpoint, STANDBY_REGION));
  await createStateTable(primaryDynamo, TABLES.primary);
  await createStateTable(standbyDynamo, TABLES.standby);
  primaryTable = new DynamoStateStore({ client: primaryDynamo, tableName: TABLES.primary });
  standbyTable = new DynamoStateStore({ client: standbyDynamo, tableName: TABLES.standby });
  const { TopicArn } = await new SNSClient(awsClientConfig(moto.endpoint, STANDBY_REGION)).send(
    new CreateTopicCommand({ Name: 'chdr-local-standby-pages' }),
  );
  const text = await readFile(inject('topologyPath'), 'utf8');
  const withHook = text.replace(
    /^failover:\n/m,
    'failover:\n  stackStage: prod\n  hooks:\n    pre:\n      - { command: "sleep 4" }\n',
  );
  expect(withHook).not.toBe(text);
  topologyFile = resolve(inject('clusterDir'), 'continuation-topology.yaml');
  await writeFile(topologyFile, withHook);
  restoreEnv = useFunctionEnvironment(moto, STANDBY_REGION, {
    config: topologyFile,
    site: 'standby',
    stateTable: TABLES.standby,
    topicArn: TopicArn!,
  });
  vi.resetModules();
  const { createHandler } = await import('../../functions/failover.js');
  handler = createHandler(async (event) => void continuations.push(event)) as unknown as Handler;
});

afterAll(async () => {
  restoreEnv();
  await moto?.stop();
});

describe('failover function runs that outlive an invocation', () => {
  beforeEach(async () => {
    await stopNode(inject('clusterDir'), 'ch3');
  });

  it('continues in a second invocation when the next step may not fit, and the second finishes the run', async () => {
    let calls = 0;
    // middy asks first (to time the handler out early), then the engine before each step: time enough
    // for the preflight, then 30 s left, less than a 60 s step needs.
    const first = await handler(
      recover,
      contextOf('req-1', () => (calls++ < 2 ? 900_000 : 30_000)),
    );

    expect(first).toMatchObject({ mode: 'executed', result: 'continued' });
    if (first.mode !== 'executed') return;
    expect(first.message).toMatch(/may not fit in this invocation \(30 s left/);
    expect(first.record.steps.map((s) => `${s.stepId}:${s.state}`)).toEqual(['preflight:verified']);
    expect(continuations).toEqual([
      { ...recover, continueRun: { runId: first.runId, token: expect.any(String) } },
    ]);
    expect(await primaryTable.get('failover#lock')).toMatchObject({
      value: { runId: first.runId, holder: `lambda:${FUNCTION}/req-1` },
    });
    expect(await standbyTable.get('failover#lock')).toBeUndefined();

    const second = await handler(
      continuations[0],
      contextOf('req-2', () => 900_000),
    );

    expect(second, second.message).toMatchObject({
      mode: 'executed',
      result: 'succeeded',
      runId: first.runId,
    });
    if (second.mode !== 'executed') return;
    expect(second.record.attempts).toBe(2);
    expect(second.record.steps.find((s) => s.stepId === 'rejoin-standby')).toMatchObject({
      state: 'verified',
    });
    expect(await primaryTable.get('failover#lock')).toBeUndefined();
    for (const table of [primaryTable, standbyTable]) {
      expect((await table.get<ClusterRoles>(rolesKey('local')))?.value).toMatchObject({
        primary: 'primary',
        runId: first.runId,
        operation: 'recover',
      });
    }
    const history = await handler(
      { action: 'history' },
      contextOf('req-3', () => 900_000),
    );
    expect(history.mode === 'history' && history.runs.map((r) => r.runId)).toContain(first.runId);
  });

  it('lets exactly one of a CLI run and a function run of the same operation proceed, naming the holder', async () => {
    const cli = promisify(execFile)(
      'node',
      [CLI, 'recover', '--from', 'standby', '--to', 'primary', '--execute', '--config', topologyFile],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        },
        timeout: 110_000,
      },
    ).then(
      (out) => ({ ok: true as const, text: out.stdout }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false as const,
        text: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    const fn = handler(
      recover,
      contextOf('req-9', () => 900_000),
    ).then(
      (result) => ({ ok: result.mode === 'executed' && result.result === 'succeeded', text: result.message }),
      (error: Error) => ({ ok: false, text: error.message }),
    );

    const [byCli, byFunction] = await Promise.all([cli, fn]);

    expect([byCli.ok, byFunction.ok].filter(Boolean), `${byCli.text}\n---\n${byFunction.text}`).toHaveLength(
      1,
    );
    if (byCli.ok) expect(byFunction.text).toMatch(/holds the lock: \S+@\S+ pid \d+ since/);
    else expect(byCli.text).toMatch(new RegExp(`holds the lock: lambda:${FUNCTION}/req-9 since`));
    expect(await primaryTable.get('failover#lock')).toBeUndefined();
  }, 120_000);
});
