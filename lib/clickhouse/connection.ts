import { readFileSync } from 'node:fs';
import type { ReplicaEndpoint } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { failureCodeOf, PROBE_FAILURES } from '../probe/index.js';
import { CLICKHOUSE_ERROR_CODES } from './constants.js';
import {
  ClickHouseRequestError,
  describeException,
  failureOfException,
  parseClickHouseError,
} from './errors.js';
import { createHttpTransport } from './http-transport.js';
import type {
  ClickHouseConnection,
  ConnectionOptions,
  QueryOptions,
  ReplicasStatusRequest,
} from './types.js';

export type ClickHouseEndpoint = Pick<ReplicaEndpoint, 'host' | 'httpPort' | 'tls' | 'user' | 'caFile'>;

/** What the connection touches, replaceable in tests. */
export interface ConnectionDeps {
  createTransport: typeof createHttpTransport;
  readCa?: (path: string) => string;
}

const defaultDeps: ConnectionDeps = {
  createTransport: createHttpTransport,
  readCa: (path) => readFileSync(path, 'utf8'),
};

/** JSONEachRow: one JSON object per line. */
const rowsOf = <T>(body: string): T[] =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);

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
 * A connection to one ClickHouse server over HTTP (keep-alive, stale sockets dropped before reuse, so it
 * survives frozen Lambda environments). It sends no ClickHouse settings and no query parameters, so
 * ClickHouse 18.16 accepts every request, and so do users whose profile is `readonly = 1`. The password
 * goes only into the Basic auth header; it never appears in a URL, a log or an error message.
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
  const transport = deps.createTransport({
    url,
    username: endpoint.user,
    password: password ?? '',
    keepAlive: options.keepAlive,
    ...(ca === undefined ? {} : { ca }),
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
      run('query', timeoutMs, async (signal) =>
        rowsOf<T>(await transport.post(`${sql}\nFORMAT JSONEachRow`, signal)),
      ),

    exec: (sql: string, { timeoutMs }: QueryOptions) =>
      run('statement', timeoutMs, async (signal) => {
        await transport.post(sql, signal);
      }),

    // The handler needs no credentials, so none are sent.
    replicasStatus: ({ verbose, timeoutMs }: ReplicasStatusRequest) =>
      run('/replicas_status', timeoutMs, (signal) =>
        transport.get(`/replicas_status${verbose ? '?verbose=1' : ''}`, signal),
      ),

    close: () => transport.close(),
  };
};
