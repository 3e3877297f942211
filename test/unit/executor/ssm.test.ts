import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { EXIT_TIMED_OUT, SsmExecutor, ssmShellLine } from '../../../lib/executor/index.js';

const ssm = mockClient(SSMClient);
const target = { name: 'zk4', host: 'zk4.internal', instanceId: 'i-0abc', region: 'us-west-2' };

const fakeTime = () => {
  let now = 0;
  return { clock: { now: () => now }, sleep: async (ms: number) => void (now += ms) };
};

describe('SsmExecutor', () => {
  beforeEach(() => ssm.reset());

  it('sends AWS-RunShellScript to the instance and polls the invocation until it ends', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({
        Status: 'Failed',
        ResponseCode: 2,
        StandardOutputContent: 'o',
        StandardErrorContent: 'zoo.cfg: denied',
      });
    const time = fakeTime();

    const result = await new SsmExecutor({ ssm: new SSMClient({}), pollIntervalMs: 1_000, ...time }).run({
      target,
      command: 'systemctl stop zookeeper',
      timeoutMs: 30_000,
    });

    expect(result).toEqual({
      exitCode: 2,
      stdout: 'o',
      stderr: 'zoo.cfg: denied',
      durationMs: 3_000,
      timedOut: false,
    });
    expect(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-0abc'],
      Parameters: {
        commands: ["exec bash -e -o pipefail -c 'systemctl stop zookeeper'"],
        executionTimeout: ['30'],
      },
    });
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
  });

  it('cancels the command and reports a timeout when it runs past timeoutMs', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    ssm.on(CancelCommandCommand).resolves({});

    const result = await new SsmExecutor({
      ssm: new SSMClient({}),
      pollIntervalMs: 1_000,
      ...fakeTime(),
    }).run({
      target,
      command: 'sleep 999',
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({ exitCode: EXIT_TIMED_OUT, timedOut: true });
    expect(ssm.commandCalls(CancelCommandCommand)[0]!.args[0].input).toEqual({
      CommandId: 'cmd-2',
      InstanceIds: ['i-0abc'],
    });
  });

  it('cancels the command on the host when its step is aborted, and rejects as aborted', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-3' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    ssm.on(CancelCommandCommand).resolves({});
    const controller = new AbortController();
    let polls = 0;
    const executor = new SsmExecutor({
      ssm: new SSMClient({}),
      pollIntervalMs: 1_000,
      clock: { now: () => polls * 1_000 },
      sleep: async (_ms, signal) => {
        polls += 1;
        if (polls === 3) controller.abort();
        if (signal?.aborted) throw new Error('aborted');
      },
    });

    const outcome = await executor
      .run({ target, command: 'sleep 600', timeoutMs: 60_000, signal: controller.signal })
      .catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(Error);
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([
      { CommandId: 'cmd-3', InstanceIds: ['i-0abc'] },
    ]);
  });

  it('uses the client of the target region when given one per region', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c' } });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', ResponseCode: 0 });
    const regions: (string | undefined)[] = [];

    await new SsmExecutor({
      ssm: (region) => (regions.push(region), new SSMClient({ region })),
      ...fakeTime(),
    }).run({ target, command: 'true', timeoutMs: 5_000 });

    expect(regions).toEqual(['us-west-2']);
  });

  it('refuses a node without an instanceId, naming it', async () => {
    await expect(
      new SsmExecutor({ ssm: new SSMClient({}) }).run({
        target: { name: 'zk9', host: 'h' },
        command: 'true',
        timeoutMs: 1_000,
      }),
    ).rejects.toMatchObject({
      code: 'EXECUTOR_NO_INSTANCE_ID',
      message: expect.stringContaining('zk9 has no instanceId'),
    });
  });

  it('flags standard output of 24,000 characters as cut (SSM keeps no more)', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-3' } });
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'x'.repeat(24_000) });
    const executor = new SsmExecutor({ ssm: ssm as unknown as SSMClient, ...fakeTime() });

    const result = await executor.run({ target, command: 'cat /etc/big.cfg', timeoutMs: 30_000 });

    expect(result).toMatchObject({ exitCode: 0, stdoutCut: true });
  });
});

describe('ssmShellLine', () => {
  it('runs a bash command under sh (as AWS-RunShellScript does) with bash and fail-closed options', () => {
    const command = `for x in a "b c"; do echo "$x's"; done; [[ -n x ]] && echo bash`;

    const out = execFileSync('sh', ['-c', ssmShellLine(command)], { encoding: 'utf8' });

    expect(out).toBe("a's\nb c's\nbash\n");
  });

  it('stops at the first failing command and fails on a failing pipeline stage', () => {
    const run = (command: string) => {
      try {
        return { code: 0, out: execFileSync('sh', ['-c', ssmShellLine(command)], { encoding: 'utf8' }) };
      } catch (error) {
        return {
          code: (error as { status: number }).status,
          out: String((error as { stdout: string }).stdout),
        };
      }
    };

    expect(run('false; echo after')).toEqual({ code: 1, out: '' });
    expect(run('cat /nonexistent | wc -c').code).not.toBe(0);
  });
});
