import { createClickHouseConnection, endpointUrl, type ClickHouseEndpoint } from './connection.js';
import type { ClickHouseConnection, ConnectionOptions } from './types.js';

/**
 * Connections kept across warm Lambda invocations, one per endpoint and user. A changed password
 * (rotated secret) or changed options replace the cached connection. The password is compared as it is:
 * the connection holds it anyway (its Basic auth header), and a digest would load node:crypto (~4 ms of
 * a cold CLI start) for every request's lookup.
 */
const cache = new Map<string, { fingerprint: string; connection: ClickHouseConnection }>();

const fingerprintOf = (password: string | undefined, options: ConnectionOptions): string =>
  JSON.stringify([password ?? null, options.requestTimeoutMs, options.keepAlive]);

export const cachedClickHouseConnection = (
  endpoint: ClickHouseEndpoint,
  password: string | undefined,
  options: ConnectionOptions,
  create: typeof createClickHouseConnection = createClickHouseConnection,
): ClickHouseConnection => {
  const key = `${endpointUrl(endpoint)}#${endpoint.user}`;
  const fingerprint = fingerprintOf(password, options);
  const cached = cache.get(key);
  if (cached?.fingerprint === fingerprint) return cached.connection;
  if (cached !== undefined) void cached.connection.close().catch(() => undefined);
  const connection = create(endpoint, password, options);
  cache.set(key, { fingerprint, connection });
  return connection;
};

/** Closes and forgets every cached connection (end of a test, shutdown). */
export const closeCachedConnections = async (): Promise<void> => {
  const connections = [...cache.values()].map((entry) => entry.connection);
  cache.clear();
  await Promise.allSettled(connections.map((connection) => connection.close()));
};
