import type { Socket } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import type { HttpReply } from './types.js';

// Not `import ... from 'node:http'`: on Node 22 the ESM facade of node:http reads every export, and its
// lazy getters (WebSocket and its events) load undici, 30 to 90 ms of start-up (measured) for nothing.
// node:https (and with it tls and crypto, ~10 ms) is loaded only for an HTTPS replica.
const httpModules = (tls: boolean) =>
  tls ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');

/**
 * How long a kept-alive socket may sit idle before it is dropped rather than reused: below ClickHouse's
 * `keep_alive_timeout` (3 s by default), so a request never goes out on a socket the server is closing.
 * Checked when a request is sent, not by a timer: a frozen Lambda environment runs no timers.
 */
export const IDLE_SOCKET_TTL_MS = 2_500;

export interface TransportConfig {
  /** `http(s)://host:port`, no path. */
  url: string;
  username: string;
  password: string;
  keepAlive: boolean;
  /** PEM bundle trusted for HTTPS (a private CA) instead of Node's default roots. */
  ca?: string;
  /** Defaults to IDLE_SOCKET_TTL_MS. */
  idleSocketTtlMs?: number;
}

/** ClickHouse's HTTP interface: a statement POSTed to `/`, and plain GETs such as `/replicas_status`. */
export interface ClickHouseTransport {
  /** The reply body of a 200; any other status rejects with the body (the server's exception text). */
  post(sql: string, signal: AbortSignal): Promise<string>;
  /** Any status with its body; sends no credentials. */
  get(path: string, signal: AbortSignal): Promise<HttpReply>;
  close(): Promise<void>;
}

/**
 * Plain node:http, one keep-alive agent per server. Chosen over @clickhouse/client, which chdr used for
 * exactly this (a POST with Basic auth, JSONEachRow back): that library was a fifth of each Lambda bundle.
 */
export const createHttpTransport = (config: TransportConfig): ClickHouseTransport => {
  const tls = config.url.startsWith('https:');
  const { Agent, request } = httpModules(tls);
  const agent = new Agent({
    keepAlive: config.keepAlive,
    ...(tls && config.ca !== undefined ? { ca: config.ca } : {}),
  });
  const ttlMs = config.idleSocketTtlMs ?? IDLE_SOCKET_TTL_MS;
  const idleSince = new WeakMap<Socket, number>();
  agent.on('free', (socket: Socket) => idleSince.set(socket, Date.now()));
  // The agent skips destroyed free sockets when it picks one for the next request.
  const dropStaleSockets = () => {
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        if (Date.now() - (idleSince.get(socket) ?? 0) >= ttlMs) socket.destroy();
      }
    }
  };
  const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  // Parsed once: a URL string would be parsed again for every request.
  const target = urlToHttpOptions(new URL(config.url));

  const send = (
    path: string,
    options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    signal: AbortSignal,
  ): Promise<HttpReply> =>
    new Promise((resolve, reject) => {
      dropStaleSockets();
      const req = request(
        {
          ...target,
          path,
          method: options.method,
          headers: { 'User-Agent': 'chdr', ...options.headers },
          agent,
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ httpStatus: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });

  return {
    post: async (sql, signal) => {
      const reply = await send(
        '/',
        {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'text/plain' },
          body: sql,
        },
        signal,
      );
      if (reply.httpStatus !== 200) throw new Error(reply.body.trim() || `HTTP status ${reply.httpStatus}`);
      return reply.body;
    },
    get: (path, signal) => send(path, { method: 'GET', headers: {} }, signal),
    close: async () => agent.destroy(),
  };
};
