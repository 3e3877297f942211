/** Polls `attempt` until `done` says yes; fails with the last value after `timeoutMs`. */
export const until = async <T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(value, null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
