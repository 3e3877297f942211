import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ReplicaEndpoint } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { failureCodeOf, PROBE_FAILURES } from '../probe/index.js';
import { CLICKHOUSE_ERROR_CODES, CLIENT_TIMEOUT_GRACE_MS } from './constants.js';
import {
  ClickHouseRequestError,
  describeException,
  failureOfException,
  parseClickHouseError,
} from './errors.js';
import type {
  ClickHouseConnection,
  ConnectionOptions,
  HttpReply,
  QueryOptions,
  ReplicasStatusRequest,
} from './types.js';

export type ClickHouseEndpoint = Pick<ReplicaEndpoint, 'host' | 'httpPort' | 'tls' | 'user' | 'caFile'>;

/** What the connection touches, replaceable in tests. */
export interface ConnectionDeps {
  createClient: typeof createClient;
  fetch: typeof fetch;
  /** GET over HTTPS trusting `ca` (fetch cannot take a CA bundle). */
  getWithCa?: (url: string, ca: string, signal: AbortSignal) => Promise<HttpReply>;
  readCa?: (path: string) => string;
}

const getWithCa = (url: string, ca: string, signal: AbortSignal): Promise<HttpReply> =>
  new Promise((resolve, reject) => {
    const request = httpsGet(url, { ca, signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({ httpStatus: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
  });

const defaultDeps: ConnectionDeps = {
  createClient,
  fetch: (...args) => fetch(...args),
  getWithCa,
  readCa: (path) => readFileSync(path, 'utf8'),
};

/** Shortest password that is masked in messages; shorter ones would mangle ordinary words. */
const MIN_MASKED_PASSWORD_LENGTH = 4;

const readBundle = (
  endpoint: ClickHouseEndpoint,
  readCa: (path: string) => string,
): { ok: true; ca?: string } | { ok: false; problem: string } => {
  if (!endpoint.tls || endpoint.caFile === undefined) return { ok: true };
  try {
    return { ok: true, ca: readCa(endpoint.caFile) };
  } catch (error) {
    return { ok: false, problem: `caFile ${endpoint.caFile} cannot be read (${describeError(error)})` };
  }
};

export const endpointUrl = (endpoint: ClickHouseEndpoint): string => {
  const host =
    endpoint.host.includes(':') && !endpoint.host.startsWith('[') ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.tls ? 'https' : 'http'}://${host}:${endpoint.httpPort}`;
};

/**
 * A connection to one ClickHouse server over HTTP: queries through @clickhouse/client (keep-alive,
 * stale sockets dropped before reuse, so it survives frozen Lambda environments), `/replicas_status`
 * through fetch. It sends no ClickHouse settings and no query parameters, so ClickHouse 18.16 accepts
 * every request, and so do users whose profile is `readonly = 1`. The password goes only into the
 * client's Basic auth header; it never appears in a URL, a log or an error message.
 */
export const createClickHouseConnection = (
  endpoint: ClickHouseEndpoint,
  password: string | undefined,
  options: ConnectionOptions,
  deps: ConnectionDeps = defaultDeps,
): ClickHouseConnection => {
  const url = endpointUrl(endpoint);
  const label = `${url} as ${endpoint.user}`;
  // A private CA for HTTPS, read once per connection (connections are cached per replica). A file that
  // cannot be read fails every request with its name, instead of throwing here.
  const bundle = readBundle(endpoint, deps.readCa ?? defaultDeps.readCa!);
  const ca = bundle.ok ? bundle.ca : undefined;
  const client = deps.createClient({
    url,
    username: endpoint.user,
    password: password ?? '',
    application: 'chdr',
    request_timeout: options.requestTimeoutMs + CLIENT_TIMEOUT_GRACE_MS,
    keep_alive: { enabled: options.keepAlive, eagerly_destroy_stale_sockets: true },
    compression: { request: false, response: false },
    // Errors are returned to the caller as values; the library's own logging would duplicate them.
    log: { level: ClickHouseLogLevel.OFF },
    ...(ca === undefined ? {} : { tls: { ca_cert: Buffer.from(ca) } }),
  });

  const mask = (text: string): string =>
    password !== undefined && password.length >= MIN_MASKED_PASSWORD_LENGTH
      ? text.split(password).join('***')
      : text;

  /** The original error as the cause, unless it quotes the password: then a masked copy. */
  const safeCause = (error: unknown): unknown => {
    const text = error instanceof Error ? error.message : String(error);
    if (mask(text) === text) return error;
    const copy = new Error(mask(text));
    copy.name = error instanceof Error ? error.name : 'Error';
    return copy;
  };

  const timeoutOf = (requested: number): number => Math.max(1, Math.min(requested, options.requestTimeoutMs));

  /** Turns whatever a request threw into one ClickHouseRequestError. */
  const requestError = (
    what: string,
    error: unknown,
    signal: AbortSignal,
    timeoutMs: number,
  ): ClickHouseRequestError => {
    const exception = parseClickHouseError(error);
    if (exception !== undefined) {
      const masked = { ...exception, message: mask(exception.message) };
      return new ClickHouseRequestError(
        CLICKHOUSE_ERROR_CODES.server,
        `${what} on ${label}: ${describeException(masked)}`,
        { failure: failureOfException(masked), exception: masked, cause: safeCause(error) },
      );
    }
    if (signal.aborted) {
      return new ClickHouseRequestError(
        CLICKHOUSE_ERROR_CODES.timeout,
        `${what} on ${label}: no reply within ${timeoutMs} ms`,
        {
          failure: PROBE_FAILURES.timeout,
          cause: safeCause(error),
        },
      );
    }
    const failure = failureCodeOf(error);
    return new ClickHouseRequestError(
      failure === PROBE_FAILURES.timeout ? CLICKHOUSE_ERROR_CODES.timeout : CLICKHOUSE_ERROR_CODES.transport,
      `${what} on ${label}: ${mask(describeError(error))}`,
      { failure, cause: safeCause(error) },
    );
  };

  const run = async <T>(
    what: string,
    requested: number,
    action: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    if (!bundle.ok) {
      throw new ClickHouseRequestError(
        CLICKHOUSE_ERROR_CODES.transport,
        `${what} on ${label}: ${bundle.problem}`,
        {
          failure: PROBE_FAILURES.tls,
        },
      );
    }
    const timeoutMs = timeoutOf(requested);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await action(signal);
    } catch (error) {
      throw requestError(what, error, signal, timeoutMs);
    }
  };

  return {
    endpoint: label,

    queryRows: <T = unknown>(sql: string, { timeoutMs }: QueryOptions) =>
      run('query', timeoutMs, async (signal) => {
        const result = await client.query({ query: sql, format: 'JSONEachRow', abort_signal: signal });
        return result.json<T>();
      }),

    exec: (sql: string, { timeoutMs }: QueryOptions) =>
      run('statement', timeoutMs, async (signal) => {
        await client.command({ query: sql, abort_signal: signal });
      }),

    replicasStatus: ({ verbose, timeoutMs }: ReplicasStatusRequest) =>
      run('/replicas_status', timeoutMs, async (signal): Promise<HttpReply> => {
        // The handler needs no credentials, so none are sent.
        const statusUrl = `${url}/replicas_status${verbose ? '?verbose=1' : ''}`;
        if (ca !== undefined) return (deps.getWithCa ?? getWithCa)(statusUrl, ca, signal);
        const response = await deps.fetch(statusUrl, { signal });
        return { httpStatus: response.status, body: await response.text() };
      }),

    close: () => client.close(),
  };
};
