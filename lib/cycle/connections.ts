import { cachedClickHouseConnection, type ClickHouseConnection } from '../clickhouse/index.js';
import { ChdrError } from '../errors/index.js';
import { resolveSecret, type ReplicaEndpoint, type SecretDeps, type Topology } from '../config/index.js';

export type Connect = (replica: ReplicaEndpoint) => ClickHouseConnection;

/**
 * Resolves every replica password once (at cold start, not per cycle) and returns a `connect` that
 * hands out connections kept alive across cycles and warm invocations.
 */
export const replicaConnector = async (
  topology: Topology,
  secrets: SecretDeps,
  /** Only this site's replicas (a regional agent reads its own site's secrets, in its own region). */
  onlySite?: string,
): Promise<Connect> => {
  const passwords = new Map<string, string>();
  await Promise.all(
    topology.sites.flatMap((site, s) =>
      (onlySite === undefined || site.name === onlySite ? site.replicas : []).map(async (replica, r) => {
        passwords.set(
          replica.name,
          await resolveSecret(replica.password, `sites[${s}].replicas[${r}].password`, secrets),
        );
      }),
    ),
  );
  const requestTimeoutMs = topology.timeouts.probeMs;
  return (replica) => {
    if (!passwords.has(replica.name)) {
      throw new ChdrError(
        'CONFIG_REPLICA_OUT_OF_SCOPE',
        `no credentials resolved for replica ${replica.name} (site ${onlySite})`,
      );
    }
    return cachedClickHouseConnection(replica, passwords.get(replica.name), {
      requestTimeoutMs,
      keepAlive: true,
    });
  };
};
