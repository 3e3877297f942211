import { spawn } from 'node:child_process';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import { EXIT_DRAIN_MS, EXIT_TIMED_OUT, MAX_OUTPUT_BYTES, SHELL_OPTIONS } from './constants.js';
import { EXECUTOR_ERROR_CODES, ExecutorError } from './errors.js';
import type { HostCommand, HostCommandResult, HostExecutor } from './types.js';

export interface LocalShellExecutorOptions {
  /** Working directory of every command (default: the process's). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
}

const appendCapped = (chunks: { text: string; cut: boolean }, data: Buffer): void => {
  if (chunks.text.length >= MAX_OUTPUT_BYTES) {
    chunks.cut = true;
    return;
  }
  chunks.text += data.toString('utf8');
  if (chunks.text.length > MAX_OUTPUT_BYTES) {
    chunks.text = chunks.text.slice(0, MAX_OUTPUT_BYTES);
    chunks.cut = true;
  }
};

/**
 * Runs commands with `bash -e -o pipefail -c` on this machine, whatever the target's host: the local cluster
 * runs every node on loopback. The command runs in its own process group so that a timeout or an
 * abort ends the whole tree, not just bash.
 */
export class LocalShellExecutor implements HostExecutor {
  readonly kind = 'local';
  private readonly clock: Clock;

  constructor(private readonly options: LocalShellExecutorOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  run({ command, timeoutMs, signal, target }: HostCommand): Promise<HostCommandResult> {
    if (signal?.aborted) {
      return Promise.reject(
        new ExecutorError(EXECUTOR_ERROR_CODES.aborted, `not started on ${target.name}: aborted`),
      );
    }
    const startedAt = this.clock.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [...SHELL_OPTIONS, '-c', command], {
        cwd: this.options.cwd,
        env: this.options.env ?? process.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout = { text: '', cut: false };
      const stderr = { text: '', cut: false };
      let timedOut = false;
      let aborted = false;
      let settled = false;
      const killTree = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killTree();
      }, timeoutMs);
      const onAbort = () => {
        aborted = true;
        killTree();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (data: Buffer) => appendCapped(stdout, data));
      child.stderr.on('data', (data: Buffer) => appendCapped(stderr, data));
      child.on('error', (cause) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        settled = true;
        reject(
          new ExecutorError(
            EXECUTOR_ERROR_CODES.spawnFailed,
            `cannot run bash for ${target.name}: ${cause.message}`,
            { cause },
          ),
        );
      });
      const settle = (code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        child.stdout.destroy();
        child.stderr.destroy();
        if (aborted) {
          reject(new ExecutorError(EXECUTOR_ERROR_CODES.aborted, `command on ${target.name} aborted`));
          return;
        }
        resolve({
          exitCode: timedOut ? EXIT_TIMED_OUT : (code ?? 1),
          stdout: stdout.text + (stdout.cut ? '\n[output cut]' : ''),
          ...(stdout.cut ? { stdoutCut: true } : {}),
          stderr: stderr.text + (stderr.cut ? '\n[output cut]' : ''),
          durationMs: this.clock.now() - startedAt,
          timedOut,
        });
      };
      // 'close' waits for the pipes; a daemon started by the command may keep them open, so after
      // 'exit' give the pipes a moment and then settle with what was read.
      child.on('close', (code) => settle(code));
      child.on('exit', (code) => {
        setTimeout(() => settle(code), EXIT_DRAIN_MS).unref();
      });
    });
  }
}
