import { afterEach, describe, expect, it } from 'vitest';
import {
  cachedClickHouseConnection,
  closeCachedConnections,
  CLICKHOUSE_ERROR_CODES,
  ClickHouseRequestError,
  createClickHouseConnection,
  type ConnectionDeps,
  type HttpReply,
} from '../../../lib/clickhouse/index.js';
import type { TransportConfig } from '../../../lib/clickhouse/http-transport.js';
import { PROBE_FAILURES } from '../../../lib/probe/index.js';

const endpoint = { host: 'ch1.internal', httpPort: 8123, tls: false, user: 'chdr' };
const PASSWORD = 'hunter2-s3cret';
const options = { requestTimeoutMs: 2_000, keepAlive: true };

interface FakeTransport {
  config: TransportConfig;
  posts: { sql: string; signal: AbortSignal }[];
  gets: { path: string; signal: AbortSignal }[];
  closed: number;
}

/** A stand-in for the HTTP transport whose post/get do what `behave` says. */
const fakeDeps = (behave: {
  post?: (sql: string, signal: AbortSignal) => Promise<string>;
  get?: (path: string, signal: AbortSignal) => Promise<HttpReply>;
}): ConnectionDeps & { transports: FakeTransport[] } => {
  const transports: FakeTransport[] = [];
  return {
    createTransport: (config) => {
      const transport: FakeTransport = { config, posts: [], gets: [], closed: 0 };
      transports.push(transport);
      return {
        post: async (sql, signal) => {
          transport.posts.push({ sql, signal });
          return (behave.post ?? (async () => ''))(sql, signal);
        },
        get: async (path, signal) => {
          transport.gets.push({ path, signal });
          return (behave.get ?? (async () => ({ httpStatus: 200, body: 'Ok.\n' })))(path, signal);
        },
        close: async () => {
          transport.closed += 1;
        },
      };
    },
    transports,
  };
};

/** Waits until the signal aborts, then fails as node:http does. */
const hang = (_sql: string, signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error('The operation was aborted'))),
  );

afterEach(async () => {
  await closeCachedConnections();
});

describe('createClickHouseConnection', () => {
  it('POSTs the query as JSONEachRow with no settings, keep-alive, and parses one row per line', async () => {
    const deps = fakeDeps({ post: async () => '{"a":1}\n{"a":2}\n' });
    const connection = createClickHouseConnection(endpoint, PASSWORD, options, deps);

    const rows = await connection.queryRows('SELECT 1 AS a', { timeoutMs: 500 });

    expect(rows).toEqual([{ a: 1 }, { a: 2 }]);
    const transport = deps.transports[0]!;
    expect(transport.config).toEqual({
      url: 'http://ch1.internal:8123',
      username: 'chdr',
      password: PASSWORD,
      keepAlive: true,
    });
    expect(transport.posts[0]?.sql).toBe('SELECT 1 AS a\nFORMAT JSONEachRow');
    expect(connection.endpoint).toBe('http://ch1.internal:8123 as chdr');
  });

  it('turns an 18.16 exception into a typed request error', async () => {
    const deps = fakeDeps({
      post: async () => {
        throw new Error(
          'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception',
        );
      },
    });
    const connection = createClickHouseConnection(endpoint, PASSWORD, options, deps);

    const error = await connection
      .exec("INSERT INTO t SELECT 'x', now()", { timeoutMs: 500 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClickHouseRequestError);
    expect(error).toMatchObject({
      code: CLICKHOUSE_ERROR_CODES.server,
      failure: PROBE_FAILURES.serverError,
      exception: { code: 242, type: 'TABLE_IS_READ_ONLY', message: 'Table is in readonly mode' },
    });
    expect((error as Error).message).toBe(
      'statement on http://ch1.internal:8123 as chdr: Table is in readonly mode (TABLE_IS_READ_ONLY, code 242)',
    );
  });

  it('reports its own deadline as a timeout, capped by requestTimeoutMs', async () => {
    const deps = fakeDeps({ post: hang });
    const connection = createClickHouseConnection(
      endpoint,
      PASSWORD,
      { requestTimeoutMs: 30, keepAlive: true },
      deps,
    );

    const error = await connection.queryRows('SELECT 1', { timeoutMs: 60_000 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: CLICKHOUSE_ERROR_CODES.timeout, failure: PROBE_FAILURES.timeout });
    expect((error as Error).message).toMatch(/no reply within 30 ms/);
  });

  it('maps socket errors to probe failure codes', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const deps = fakeDeps({ post: async () => Promise.reject(refused) });
    const connection = createClickHouseConnection(endpoint, PASSWORD, options, deps);

    const error = await connection.queryRows('SELECT 1', { timeoutMs: 500 }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: CLICKHOUSE_ERROR_CODES.transport,
      failure: PROBE_FAILURES.refused,
      cause: refused,
    });
  });

  it('never lets the password into an error message', async () => {
    const deps = fakeDeps({
      post: async (sql) => {
        throw new Error(
          sql.endsWith('FORMAT JSONEachRow')
            ? `Code: 62, e.displayText() = DB::Exception: Syntax error near '${PASSWORD}', e.what() = DB::Exception`
            : `getaddrinfo ENOTFOUND user:${PASSWORD}@ch1`,
        );
      },
    });
    const connection = createClickHouseConnection(endpoint, PASSWORD, options, deps);

    const server = (await connection
      .queryRows('SELECT 1', { timeoutMs: 500 })
      .catch((e: unknown) => e)) as ClickHouseRequestError;
    const transport = (await connection
      .exec('SELECT 1', { timeoutMs: 500 })
      .catch((e: unknown) => e)) as ClickHouseRequestError;

    for (const error of [server, transport]) {
      expect(error.message).not.toContain(PASSWORD);
      expect(JSON.stringify(error.exception)).not.toContain(PASSWORD);
      expect((error.cause as Error).message).not.toContain(PASSWORD);
    }
    expect(server.message).toContain('***');
  });

  it('GETs /replicas_status?verbose=1 without credentials and returns any status with its body', async () => {
    const deps = fakeDeps({
      get: async () => ({
        httpStatus: 503,
        body: 'analytics.t:\tAbsolute delay: 912. Relative delay: 912.\n',
      }),
    });
    const connection = createClickHouseConnection(
      { ...endpoint, tls: true, httpPort: 8443 },
      PASSWORD,
      options,
      deps,
    );

    const reply = await connection.replicasStatus({ verbose: true, timeoutMs: 500 });

    expect(reply).toEqual({
      httpStatus: 503,
      body: 'analytics.t:\tAbsolute delay: 912. Relative delay: 912.\n',
    });
    expect(deps.transports[0]?.config.url).toBe('https://ch1.internal:8443');
    expect(deps.transports[0]?.gets[0]?.path).toBe('/replicas_status?verbose=1');
    expect(deps.transports[0]?.gets[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('brackets IPv6 literals in the URL', async () => {
    const deps = fakeDeps({});
    createClickHouseConnection({ ...endpoint, host: '::1' }, undefined, options, deps);
    expect(deps.transports[0]?.config.url).toBe('http://[::1]:8123');
    expect(deps.transports[0]?.config.password).toBe('');
  });
});

describe('cachedClickHouseConnection', () => {
  it('reuses the connection of an endpoint and user across calls', () => {
    let created = 0;
    const create: typeof createClickHouseConnection = (...args) => {
      created += 1;
      return createClickHouseConnection(args[0], args[1], args[2], fakeDeps({}));
    };
    const first = cachedClickHouseConnection(endpoint, PASSWORD, options, create);
    const again = cachedClickHouseConnection(endpoint, PASSWORD, options, create);
    const otherUser = cachedClickHouseConnection({ ...endpoint, user: 'other' }, PASSWORD, options, create);

    expect(again).toBe(first);
    expect(otherUser).not.toBe(first);
    expect(created).toBe(2);
  });

  it('replaces and closes the cached connection when the password changes', async () => {
    const deps = fakeDeps({});
    const create: typeof createClickHouseConnection = (...args) =>
      createClickHouseConnection(args[0], args[1], args[2], deps);
    const before = cachedClickHouseConnection(endpoint, PASSWORD, options, create);
    const after = cachedClickHouseConnection(endpoint, 'rotated-password', options, create);
    await new Promise((resolve) => setImmediate(resolve));

    expect(after).not.toBe(before);
    expect(deps.transports[0]?.closed).toBe(1);
    expect(deps.transports[1]?.closed).toBe(0);
  });
});
