import { describe, expect, it } from 'vitest';
import { EXIT_TIMED_OUT, LocalShellExecutor } from '../../../lib/executor/index.js';

const target = { name: 'zk1', host: '127.0.0.1' };

describe('LocalShellExecutor', () => {
  const executor = new LocalShellExecutor();

  it('runs the command with bash and returns its exit code and output', async () => {
    const result = await executor.run({
      target,
      command: 'echo out; echo err >&2; exit 3',
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('runs with -e and pipefail: a failing command or pipeline stage fails the whole command', async () => {
    const stopped = await executor.run({ target, command: 'false; echo after', timeoutMs: 5_000 });
    const piped = await executor.run({ target, command: 'cat /nonexistent | wc -c', timeoutMs: 5_000 });

    expect(stopped).toMatchObject({ exitCode: 1, stdout: '' });
    expect(piped.exitCode).not.toBe(0);
  });

  it('kills the whole process tree at the timeout and says so', async () => {
    const startedAt = Date.now();
    const result = await executor.run({ target, command: 'sleep 5 & sleep 5; echo never', timeoutMs: 300 });

    expect(result).toMatchObject({ exitCode: EXIT_TIMED_OUT, timedOut: true });
    expect(result.stdout).not.toContain('never');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('does not wait for a daemon that keeps the output pipes open', async () => {
    const startedAt = Date.now();
    const result = await executor.run({ target, command: '(sleep 3 &) ; echo started', timeoutMs: 5_000 });

    expect(result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    expect(Date.now() - startedAt).toBeLessThan(1_500);
  });

  it('rejects with EXECUTOR_ABORTED when the signal aborts', async () => {
    const controller = new AbortController();
    const running = executor.run({
      target,
      command: 'sleep 5',
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);

    await expect(running).rejects.toMatchObject({ code: 'EXECUTOR_ABORTED' });
  });
});
