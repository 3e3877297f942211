import {
  cachedClickHouseConnection,
  probeFailureOf,
  type ClickHouseConnection,
} from '../clickhouse/index.js';
import { ChdrError } from '../errors/index.js';
import { resolveSecret, type ReplicaEndpoint, type SecretDeps, type Topology } from '../config/index.js';
import { PROBE_FAILURES } from '../probe/index.js';

export type Connect = (replica: ReplicaEndpoint) => ClickHouseConnection;

/** A rotated secret is looked up again at most this often, however many requests are refused. */
export const SECRET_REFRESH_MIN_INTERVAL_MS = 60_000;

export interface ConnectorOptions {
  /** Only this site's replicas (a regional agent reads its own site's secrets, in its own region). */
  onlySite?: string;
  now?: () => number;
  /** Opens a connection; defaults to the connection cache kept across warm invocations. */
  open?: (replica: ReplicaEndpoint, password: string | undefined) => ClickHouseConnection;
}

const isAuthFailure = (error: unknown): boolean => probeFailureOf(error).code === PROBE_FAILURES.authFailed;

/**
 * Resolves the replica passwords once (at cold start, not per cycle) and returns a `connect` that hands
 * out connections kept alive across cycles and warm invocations. A request refused for its credentials
 * makes the connector resolve the passwords again (a rotated secret) and retry that request once.
 */
export const replicaConnector = async (
  topology: Topology,
  secrets: SecretDeps,
  options: ConnectorOptions = {},
): Promise<Connect> => {
  const { onlySite } = options;
  const now = options.now ?? Date.now;
  const inScope = topology.sites.flatMap((site, s) =>
    onlySite === undefined || site.name === onlySite
      ? site.replicas.map((replica, r) => ({ replica, path: `sites[${s}].replicas[${r}].password` }))
      : [],
  );
  const resolveAll = async (): Promise<Map<string, string>> =>
    new Map(
      await Promise.all(
        inScope.map(
          async ({ replica, path }) =>
            [replica.name, await resolveSecret(replica.password, path, secrets)] as const,
        ),
      ),
    );
  let passwords = await resolveAll();
  let resolvedAt = now();
  let refreshing: Promise<boolean> | undefined;
  /** Resolves again; true when a password changed (worth retrying). Single flight, rate limited. */
  const refresh = (): Promise<boolean> => {
    if (now() - resolvedAt < SECRET_REFRESH_MIN_INTERVAL_MS) return refreshing ?? Promise.resolve(false);
    resolvedAt = now();
    refreshing = resolveAll().then((fresh) => {
      const changed = [...fresh].some(([name, password]) => passwords.get(name) !== password);
      passwords = fresh;
      return changed;
    });
    return refreshing;
  };
  const requestTimeoutMs = topology.timeouts.probeMs;
  const open =
    options.open ??
    ((replica: ReplicaEndpoint, password: string | undefined) =>
      cachedClickHouseConnection(replica, password, { requestTimeoutMs, keepAlive: true }));

  return (replica) => {
    if (!passwords.has(replica.name)) {
      throw new ChdrError(
        'CONFIG_REPLICA_OUT_OF_SCOPE',
        `no credentials resolved for replica ${replica.name} (site ${onlySite})`,
      );
    }
    const current = () => open(replica, passwords.get(replica.name));
    const call = async <T>(use: (connection: ClickHouseConnection) => Promise<T>): Promise<T> => {
      try {
        return await use(current());
      } catch (error) {
        if (!isAuthFailure(error) || !(await refresh().catch(() => false))) throw error;
        return use(current());
      }
    };
    return {
      endpoint: current().endpoint,
      queryRows: (sql, queryOptions) => call((connection) => connection.queryRows(sql, queryOptions)),
      exec: (sql, queryOptions) => call((connection) => connection.exec(sql, queryOptions)),
      replicasStatus: (request) => call((connection) => connection.replicasStatus(request)),
      close: () => current().close(),
    };
  };
};
