/** Small helpers for tests that talk to the local cluster's servers directly. */
import { request } from 'node:http';

/**
 * One POST over a fresh connection (no keep-alive pool): a test restarts servers, and a pooled socket the
 * server closed meanwhile would fail the next request with "other side closed".
 */
const post = (url: string, body: string, timeoutMs: number): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/**
 * Runs one statement over ClickHouse HTTP (user `default`, no password); throws with the server's text.
 * `host`: the node's address when it is not on loopback (a `--netns` cluster).
 */
export const sql = async (
  httpPort: number,
  query: string,
  host = '127.0.0.1',
  timeoutMs = 10_000,
): Promise<string> => {
  const { status, text } = await post(`http://${host}:${httpPort}/`, query, timeoutMs);
  if (status !== 200)
    throw new Error(`ClickHouse :${httpPort} answered ${status}: ${text.trim().split('\n')[0]}`);
  return text;
};
