import { createConnection, isIP, type Socket } from 'node:net';
import { ResponseReader, type HttpResponse } from './http1.js';
import type { HttpReply } from './types.js';

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

interface Endpoint {
  host: string;
  port: number;
  /** The PEM bundle for an HTTPS endpoint (undefined: Node's default roots), or false for plain HTTP. */
  tls: { ca: string | undefined } | false;
}

/**
 * Plain TCP, or TLS with the server's certificate checked against the host (SNI only for host names, as
 * TLS allows). node:tls (with crypto, ~10 ms to load) is loaded only for an HTTPS replica. No Nagle delay:
 * the tail of a request larger than a segment would wait for the server's delayed ACK.
 */
const connectTo = ({ host, port, tls }: Endpoint): Socket =>
  tls === false
    ? createConnection({ host, port, noDelay: true })
    : process
        .getBuiltinModule('node:tls')
        .connect({ host, port, ca: tls.ca, servername: isIP(host) === 0 ? host : undefined })
        .setNoDelay(true);

const abortError = (signal: AbortSignal): Error =>
  Object.assign(new Error('the request was aborted'), {
    name: 'AbortError',
    code: 'ABORT_ERR',
    cause: signal.reason as unknown,
  });

/**
 * One request on one socket: resolves with the response, rejects on a socket error, an early close, a
 * malformed reply or the signal, and leaves the socket's listeners as it found them.
 */
const exchange = (socket: Socket, request: string, signal: AbortSignal): Promise<HttpResponse> =>
  new Promise((resolve, reject) => {
    const reader = new ResponseReader();
    const settle = (error: unknown, response?: HttpResponse): void => {
      socket.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (response) resolve(response);
      else reject(error as Error);
    };
    const read = (step: () => HttpResponse | undefined): void => {
      try {
        const response = step();
        if (response) settle(undefined, response);
      } catch (error) {
        settle(error);
      }
    };
    const onData = (chunk: Buffer): void => read(() => reader.push(chunk));
    const onEnd = (): void => read(() => reader.end());
    const onClose = (): void => read(() => reader.end());
    const onAbort = (): void => settle(abortError(signal));
    socket.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
    signal.addEventListener('abort', onAbort);
    socket.write(request);
  });

/**
 * HTTP/1.1 over node:net (./http1.ts reads the replies), with this server's kept-alive sockets. Chosen over
 * node:http, whose six requests cost a cold `chdr check` 8 ms of CPU more (18 ms of wall time on the bench's
 * two cores, measured) and every warm request its streams and events; and over @clickhouse/client, which
 * chdr used for exactly this (a POST with Basic auth, JSONEachRow back): a fifth of each Lambda bundle.
 */
export const createHttpTransport = (config: TransportConfig): ClickHouseTransport => {
  // Parsed once: a URL string would be parsed again for every request.
  const url = new URL(config.url);
  const https = url.protocol === 'https:';
  const endpoint: Endpoint = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'), // an IPv6 address without its brackets
    port: Number(url.port) || (https ? 443 : 80),
    tls: https ? { ca: config.ca } : false,
  };
  const ttlMs = config.idleSocketTtlMs ?? IDLE_SOCKET_TTL_MS;
  const idle: { socket: Socket; since: number; drop: () => void }[] = [];
  const busy = new Set<Socket>();
  const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  const head = `Host: ${url.host}\r\nUser-Agent: chdr\r\nConnection: ${config.keepAlive ? 'keep-alive' : 'close'}\r\n`;

  /** Keeps a socket for the next request. One the server closes meanwhile leaves the pool; none keeps the
   * process alive. */
  const park = (socket: Socket): void => {
    const drop = (): void => {
      const at = idle.findIndex((entry) => entry.socket === socket);
      if (at >= 0) idle.splice(at, 1);
      socket.destroy();
    };
    socket.once('close', drop).once('error', drop).unref();
    idle.push({ socket, since: Date.now(), drop });
  };
  /** The most recently parked socket still fresh (older ones are closed on the way), else a new one. */
  const socketFor = (): Socket => {
    for (let entry = idle.pop(); entry !== undefined; entry = idle.pop()) {
      entry.socket.off('close', entry.drop).off('error', entry.drop).ref();
      if (Date.now() - entry.since < ttlMs && !entry.socket.destroyed) return entry.socket;
      entry.socket.destroy();
    }
    return connectTo(endpoint);
  };

  const send = async (request: string, signal: AbortSignal): Promise<HttpReply> => {
    if (signal.aborted) throw abortError(signal);
    const socket = socketFor();
    busy.add(socket);
    try {
      const response = await exchange(socket, request, signal);
      busy.delete(socket);
      if (response.reusable && config.keepAlive) park(socket);
      else socket.destroy();
      return { httpStatus: response.status, body: response.body.toString('utf8') };
    } catch (error) {
      busy.delete(socket);
      socket.destroy();
      throw error;
    }
  };

  return {
    post: async (sql, signal) => {
      const reply = await send(
        `POST / HTTP/1.1\r\n${head}Authorization: ${authorization}\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(sql)}\r\n\r\n${sql}`,
        signal,
      );
      if (reply.httpStatus !== 200) throw new Error(reply.body.trim() || `HTTP status ${reply.httpStatus}`);
      return reply.body;
    },
    get: (path, signal) => send(`GET ${path} HTTP/1.1\r\n${head}\r\n`, signal),
    close: async () => {
      for (const { socket } of idle.splice(0)) socket.destroy();
      for (const socket of busy) socket.destroy();
    },
  };
};
