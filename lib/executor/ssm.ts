import type { GetCommandInvocationCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import {
  DEFAULT_SSM_POLL_INTERVAL_MS,
  EXIT_TIMED_OUT,
  SHELL_OPTIONS,
  SSM_DOCUMENT,
  SSM_MAX_OUTPUT_CHARS,
} from './constants.js';
import { EXECUTOR_ERROR_CODES, ExecutorError } from './errors.js';
import type { HostCommand, HostCommandResult, HostExecutor } from './types.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ExecutorError(EXECUTOR_ERROR_CODES.aborted, 'aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ExecutorError(EXECUTOR_ERROR_CODES.aborted, 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface SsmExecutorOptions {
  /** One client, or one per region (instances live in their site's region). */
  ssm: Pick<SSMClient, 'send'> | ((region: string | undefined) => Pick<SSMClient, 'send'>);
  pollIntervalMs?: number;
  clock?: Clock;
  sleep?: Sleep;
  /** Optional comment shown in the SSM console (e.g. the failover run id). */
  comment?: string;
}

/**
 * AWS-RunShellScript runs its lines with `sh`; the command runs in bash with the same options as the
 * local executor's, so that one template behaves the same on both.
 */
export const ssmShellLine = (command: string): string =>
  `exec bash ${SHELL_OPTIONS.join(' ')} -c '${command.replace(/'/g, `'\\''`)}'`;

/** SSM cuts standard output at 24,000 characters without saying so: output that long is taken as cut. */
const outputOf = (
  invocation: GetCommandInvocationCommandOutput | undefined,
): { stdout: string; stderr: string; stdoutCut?: true } => {
  const stdout = invocation?.StandardOutputContent ?? '';
  return {
    stdout,
    stderr: invocation?.StandardErrorContent ?? '',
    ...(stdout.length >= SSM_MAX_OUTPUT_CHARS ? { stdoutCut: true as const } : {}),
  };
};

const TERMINAL = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling']);

/**
 * Runs commands on the target's EC2 instance with SSM SendCommand (AWS-RunShellScript) and polls
 * GetCommandInvocation until the invocation ends or `timeoutMs` passes (then cancels it).
 */
export class SsmExecutor implements HostExecutor {
  readonly kind = 'ssm';
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: SsmExecutorOptions) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_SSM_POLL_INTERVAL_MS;
  }

  async run({ target, command, timeoutMs, signal }: HostCommand): Promise<HostCommandResult> {
    const instanceId = target.instanceId;
    if (!instanceId) {
      throw new ExecutorError(
        EXECUTOR_ERROR_CODES.noInstance,
        `${target.name} has no instanceId in the topology; the SSM executor needs one to run commands`,
      );
    }
    const ssm = typeof this.options.ssm === 'function' ? this.options.ssm(target.region) : this.options.ssm;
    // Loaded on first use: a Lambda's module init stays config and code (issue 15).
    const { CancelCommandCommand, SendCommandCommand } = await import('@aws-sdk/client-ssm');
    const startedAt = this.clock.now();
    const executionTimeout = Math.max(1, Math.ceil(timeoutMs / 1000));
    let commandId: string | undefined;
    try {
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: SSM_DOCUMENT,
          InstanceIds: [instanceId],
          Parameters: { commands: [ssmShellLine(command)], executionTimeout: [String(executionTimeout)] },
          ...(this.options.comment ? { Comment: this.options.comment.slice(0, 100) } : {}),
        }),
        { abortSignal: signal },
      );
      commandId = sent.Command?.CommandId;
    } catch (cause) {
      throw new ExecutorError(
        EXECUTOR_ERROR_CODES.sendFailed,
        `SSM SendCommand to ${target.name} (${instanceId}) failed: ${(cause as Error).name}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!commandId) {
      throw new ExecutorError(
        EXECUTOR_ERROR_CODES.sendFailed,
        `SSM SendCommand to ${target.name} returned no command id`,
      );
    }
    const cancel = () =>
      ssm
        .send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] }))
        .catch(() => undefined);
    try {
      return await this.waitForResult(
        ssm,
        { target, commandId, instanceId, startedAt, timeoutMs, signal },
        cancel,
      );
    } catch (error) {
      // An aborted wait (a cancelled failover step) must not leave the command running on the host.
      if (signal?.aborted) await cancel();
      throw error;
    }
  }

  private async waitForResult(
    ssm: Pick<SSMClient, 'send'>,
    run: {
      target: HostCommand['target'];
      commandId: string;
      instanceId: string;
      startedAt: number;
      timeoutMs: number;
      signal: AbortSignal | undefined;
    },
    cancel: () => Promise<unknown>,
  ): Promise<HostCommandResult> {
    const { target, commandId, instanceId, startedAt, timeoutMs, signal } = run;
    const deadline = startedAt + timeoutMs;
    const { GetCommandInvocationCommand } = await import('@aws-sdk/client-ssm');
    let last: GetCommandInvocationCommandOutput | undefined;
    for (;;) {
      await this.sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - this.clock.now())), signal);
      try {
        last = await ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
          {
            abortSignal: signal,
          },
        );
      } catch (cause) {
        // Right after SendCommand the invocation may not exist yet; keep polling until the deadline.
        if ((cause as Error).name !== 'InvocationDoesNotExist') {
          throw new ExecutorError(
            EXECUTOR_ERROR_CODES.sendFailed,
            `SSM GetCommandInvocation for ${target.name} failed: ${(cause as Error).name}: ${(cause as Error).message}`,
            { cause },
          );
        }
      }
      if (last?.Status && TERMINAL.has(last.Status)) break;
      if (this.clock.now() >= deadline) {
        await cancel();
        return {
          exitCode: EXIT_TIMED_OUT,
          ...outputOf(last),
          durationMs: this.clock.now() - startedAt,
          timedOut: true,
        };
      }
    }
    const timedOut = last.Status === 'TimedOut';
    const exitCode = timedOut
      ? EXIT_TIMED_OUT
      : last.ResponseCode !== undefined && last.ResponseCode >= 0
        ? last.ResponseCode
        : last.Status === 'Success'
          ? 0
          : 1;
    return {
      exitCode,
      ...outputOf(last),
      durationMs: this.clock.now() - startedAt,
      timedOut,
    };
  }
}
