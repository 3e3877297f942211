import { cachedClickHouseConnection, type ClickHouseConnection } from '../clickhouse/index.js';
import { resolveSecret, type ReplicaEndpoint, type SecretDeps, type Topology } from '../config/index.js';

export type Connect = (replica: ReplicaEndpoint) => ClickHouseConnection;

/**
 * Resolves every replica password once (at cold start, not per cycle) and returns a `connect` that
 * hands out connections kept alive across cycles and warm invocations.
 */
export const replicaConnector = async (topology: Topology, secrets: SecretDeps): Promise<Connect> => {
  const passwords = new Map<string, string>();
  await Promise.all(
    topology.sites.flatMap((site, s) =>
      site.replicas.map(async (replica, r) => {
        passwords.set(replica.name, await resolveSecret(replica.password, `sites[${s}].replicas[${r}].password`, secrets));
      }),
    ),
  );
  const requestTimeoutMs = topology.timeouts.probeMs;
  return (replica) =>
    cachedClickHouseConnection(replica, passwords.get(replica.name), { requestTimeoutMs, keepAlive: true });
};
