import { createConnection, createServer } from 'node:net';
import { describeError } from '../errors/index.js';
import {
  failureCodeOf,
  probeFailed,
  probeOk,
  PROBE_FAILURES,
  systemClock,
  type Clock,
  type ProbeResult,
} from '../probe/index.js';

/**
 * The few probes the cluster helper needs to know a server is up. They never throw: a refused
 * connection or a timeout is a result.
 */

/** Sends a ZooKeeper four-letter word and returns the whole reply (the server closes the connection). */
export const fourLetterWord = (
  host: string,
  port: number,
  word: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<ProbeResult<string>> =>
  new Promise((done) => {
    const startedAt = clock.now();
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: ProbeResult<string>) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(result);
    };
    const socket = createConnection({ host, port });
    socket.setTimeout(timeoutMs, () =>
      finish(
        probeFailed(PROBE_FAILURES.timeout, `no reply to ${word} within ${timeoutMs} ms`, startedAt, clock),
      ),
    );
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) =>
      finish(probeFailed(failureCodeOf(error), describeError(error), startedAt, clock)),
    );
    socket.on('close', () => finish(probeOk(Buffer.concat(chunks).toString('utf8'), startedAt, clock)));
  });

/** The `Mode:` of a `srvr`/`stat` reply (leader, follower, observer, standalone), or null when not serving. */
export const parseZooKeeperMode = (reply: string): string | null =>
  /^Mode:\s*(\S+)\s*$/m.exec(reply)?.[1] ?? null;

/** Runs one statement over ClickHouse's HTTP interface as `default` without a password; returns the body. */
export const clickHouseQuery = async (
  host: string,
  port: number,
  sql: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<ProbeResult<string>> => {
  const startedAt = clock.now();
  try {
    const response = await fetch(`http://${host}:${port}/`, {
      method: 'POST',
      body: sql,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    if (!response.ok)
      return probeFailed(PROBE_FAILURES.serverError, body.trim().split('\n')[0] ?? body, startedAt, clock);
    return probeOk(body, startedAt, clock);
  } catch (error) {
    return probeFailed(failureCodeOf(error), describeError(error), startedAt, clock);
  }
};

/** True when nothing listens on host:port (binding it succeeds). */
export const isPortFree = (host: string, port: number): Promise<boolean> =>
  new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => done(true)));
  });

/**
 * The ZooKeeper servers a ClickHouse server is configured to use, from its `config.d/zookeeper.xml`
 * (`<node><host>…</host><port>…</port></node>`, in order). Port 2181 when a node gives none.
 */
export const parseClickHouseZooKeeperNodes = (xml: string): Array<{ host: string; port: number }> =>
  [...xml.matchAll(/<node\b[^>]*>([\s\S]*?)<\/node>/g)].flatMap((match) => {
    const body = match[1] ?? '';
    const host = /<host>\s*([^<\s]+)\s*<\/host>/.exec(body)?.[1];
    const port = /<port>\s*(\d+)\s*<\/port>/.exec(body)?.[1];
    return host ? [{ host, port: port ? Number(port) : 2181 }] : [];
  });
