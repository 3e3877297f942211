/** Small helpers for tests that talk to the local cluster's servers directly. */

/**
 * Runs one statement over ClickHouse HTTP (user `default`, no password); throws with the server's text.
 * `host`: the node's address when it is not on loopback (a `--netns` cluster).
 */
export const sql = async (httpPort: number, query: string, host = '127.0.0.1'): Promise<string> => {
  const response = await fetch(`http://${host}:${httpPort}/`, {
    method: 'POST',
    body: query,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (!response.ok)
    throw new Error(`ClickHouse :${httpPort} answered ${response.status}: ${body.trim().split('\n')[0]}`);
  return body;
};
