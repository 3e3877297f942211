import { CreateTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DYNAMO_ATTRIBUTES } from '../../lib/state/index.js';

/**
 * moto's server (AWS APIs in one local process) for integration tests. It comes from the venv that
 * scripts/install-deps.sh creates (`.chdr/venv`); a missing binary or a server that does not answer fails
 * the test run loudly instead of skipping.
 */

export const MOTO_BINARY = resolve(new URL('../../', import.meta.url).pathname, '.chdr/venv/bin/moto_server');
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the endpoint of every AWS client in the test. */
  endpoint: string;
  port: number;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Dummy credentials that moto accepts; never real ones. */
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** Config for any AWS SDK v3 client talking to moto: endpoint, region, dummy credentials, few retries. */
export const awsClientConfig = (endpoint: string, region = 'us-east-1') => ({
  endpoint,
  region,
  credentials: MOTO_CREDENTIALS,
  maxAttempts: 2,
});

const freeLoopbackPort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });

const answers = async (endpoint: string): Promise<boolean> => {
  try {
    const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
};

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));

export const startMoto = async (
  options: { binary?: string; timeoutMs?: number } = {},
): Promise<MotoServer> => {
  const binary = options.binary ?? MOTO_BINARY;
  if (!existsSync(binary)) {
    throw new Error(
      `moto_server not found at ${binary}: run scripts/install-deps.sh (it creates .chdr/venv with moto[server])`,
    );
  }
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([
      exited(child).then(() => true),
      sleep(STOP_GRACE_MS).then(() => false),
    ]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited(child);
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `moto_server exited (${child.exitCode ?? child.signalCode}) before answering on ${endpoint}:\n${stderr}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms:\n${stderr}`,
      );
    }
    await sleep(100);
  }

  return {
    endpoint,
    port,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop,
  };
};

/** What an SQS queue subscribed to an SNS topic receives (the SNS envelope, raw delivery off). */
export interface SnsEnvelope {
  Type: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** A queue subscribed to a topic, with `take()`: every message delivered so far (deleted from the queue). */
export const subscribedQueue = async (
  sns: SNSClient,
  sqs: SQSClient,
  topicArn: string,
  queueName: string,
) => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes!['QueueArn']!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  const take = async (): Promise<SnsEnvelope[]> => {
    const received: SnsEnvelope[] = [];
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!Messages || Messages.length === 0) return received;
      for (const message of Messages) {
        received.push(JSON.parse(message.Body!) as SnsEnvelope);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
  };
  return { queueUrl: QueueUrl!, queueArn, take };
};

/** The state table as infra/dynamodb.yml defines it: key `pk`, TTL attribute `expiresAt`, on demand. */
export const createStateTable = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: DYNAMO_ATTRIBUTES.key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: DYNAMO_ATTRIBUTES.key, KeyType: 'HASH' }],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: DYNAMO_ATTRIBUTES.expiresAt, Enabled: true },
    }),
  );
  return tableName;
};

/**
 * The environment a deployed function sees (infra/stack.ts), with every AWS SDK client pointed at moto
 * through AWS_ENDPOINT_URL. Returns a function that restores the previous environment.
 */
export const useFunctionEnvironment = (
  moto: MotoServer,
  region: string,
  chdr: { config: string; site: string; stateTable: string; topicArn: string },
): (() => void) => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    CHDR_CONFIG: chdr.config,
    CHDR_CLUSTER: 'local',
    CHDR_SITE: chdr.site,
    CHDR_STATE_TABLE: chdr.stateTable,
    CHDR_TOPIC_ARN: chdr.topicArn,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  return () => {
    process.env = saved;
  };
};
