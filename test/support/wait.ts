import { setTimeout as sleep } from 'node:timers/promises';

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
