import { createServer } from 'node:net';
import { describeError } from '../errors/index.js';
import { parseSrvr, sendFourLetterWord } from '../keeper/index.js';
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

/** ZooKeeper's `srvr` mode (leader, follower, observer, standalone), or null when it does not serve. */
export const zooKeeperMode = async (
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | null> => {
  const reply = await sendFourLetterWord({ host, port }, 'srvr', { timeoutMs });
  const srvr = reply.ok ? parseSrvr(reply.value) : undefined;
  return srvr?.ok ? srvr.value.mode : null;
};

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
