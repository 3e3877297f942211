import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmExecutor } from '../../lib/executor/index.js';
import { awsClientConfig, startMoto, type MotoServer } from '../support/moto.js';

/**
 * SsmExecutor's API use against moto: SendCommand is accepted with AWS-RunShellScript and the command
 * text, GetCommandInvocation is polled until the invocation ends. (moto runs nothing: the real host
 * steps are tested with the local executor on the local cluster.)
 */

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

describe('SsmExecutor on moto', () => {
  it('sends AWS-RunShellScript to the instance and polls the invocation to completion', async () => {
    const ssm = new SSMClient(awsClientConfig(moto.endpoint, 'us-west-2'));
    const executor = new SsmExecutor({ ssm, pollIntervalMs: 50, comment: 'chdr run r1' });

    const result = await executor.run({
      target: { name: 'zk4', host: 'zk4.internal', instanceId: 'i-0f1e2d3c4b5a60011', region: 'us-west-2' },
      command: 'systemctl stop zookeeper',
      timeoutMs: 10_000,
    });

    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    const listed = await ssm.send(new ListCommandsCommand({}));
    expect(listed.Commands?.[0]).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-0f1e2d3c4b5a60011'],
      Parameters: {
        commands: ["exec bash -e -o pipefail -c 'systemctl stop zookeeper'"],
        executionTimeout: ['10'],
      },
      Comment: 'chdr run r1',
    });
  });
});
