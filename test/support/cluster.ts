import { setTimeout as sleep } from 'node:timers/promises';

/** Small helpers for tests that talk to the local cluster's servers directly. */

/** Runs one statement over ClickHouse HTTP (user `default`, no password); throws with the server's text. */
export const sql = async (httpPort: number, query: string): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${httpPort}/`, {
    method: 'POST',
    body: query,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (!response.ok)
    throw new Error(`ClickHouse :${httpPort} answered ${response.status}: ${body.trim().split('\n')[0]}`);
  return body;
};

/** Polls `attempt` until `done` holds, then returns its value; throws with the last value after `timeoutMs`. */
export const until = async <T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    let failure: unknown;
    try {
      value = await attempt();
      if (done(value)) return value;
    } catch (error) {
      failure = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms; last: ${failure === undefined ? JSON.stringify(value) : String(failure)}`,
      );
    }
    await sleep(intervalMs);
  }
};
