import { describe, expect, it } from 'vitest';
import { ClickHouseRequestError, type ClickHouseConnection } from '../../../lib/clickhouse/index.js';
import type { ReplicaEndpoint } from '../../../lib/config/index.js';
import { replicaConnector, SECRET_REFRESH_MIN_INTERVAL_MS } from '../../../lib/cycle/index.js';
import { PROBE_FAILURES } from '../../../lib/probe/index.js';
import { referenceTopology } from '../metrics/reports.js';

/** A server that accepts one password: any other is refused as ClickHouse refuses credentials. */
const serverAccepting = (accepted: () => string) => {
  const opened: (string | undefined)[] = [];
  const open = (replica: ReplicaEndpoint, password: string | undefined): ClickHouseConnection => {
    opened.push(password);
    const guard = async <T>(value: T): Promise<T> => {
      if (password !== accepted()) {
        throw new ClickHouseRequestError('CLICKHOUSE_SERVER_ERROR', `${replica.name}: wrong password`, {
          failure: PROBE_FAILURES.authFailed,
        });
      }
      return value;
    };
    return {
      endpoint: `http://${replica.host}:${replica.httpPort} as default`,
      queryRows: <T>() => guard<T[]>([]),
      exec: () => guard(undefined),
      replicasStatus: () => guard({ httpStatus: 200, body: 'Ok.\n' }),
      close: async () => undefined,
    };
  };
  return { open, opened };
};

/** The reference topology with env passwords, so a test can rotate them. */
const topologyWithEnvPasswords = () => {
  const topology = referenceTopology();
  return {
    ...topology,
    sites: topology.sites.map((site) => ({
      ...site,
      replicas: site.replicas.map((replica) => ({ ...replica, password: { env: `PW_${site.name}` } })),
    })),
  };
};

describe('replicaConnector', () => {
  it('resolves only its own site’s secrets: the other site’s may not exist in this region', async () => {
    const topology = topologyWithEnvPasswords();
    const { open } = serverAccepting(() => 'p1');

    const connect = await replicaConnector(
      topology,
      { env: { PW_standby: 'p1' } },
      { onlySite: 'standby', open },
    );

    const [own] = topology.sites.find((site) => site.name === 'standby')!.replicas;
    const [other] = topology.sites.find((site) => site.name === 'primary')!.replicas;
    await expect(connect(own!).queryRows('SELECT 1', { timeoutMs: 100 })).resolves.toEqual([]);
    expect(() => connect(other!)).toThrow(/no credentials resolved/);
  });

  it('re-resolves once on an authentication failure (a rotated secret) and retries the request', async () => {
    const topology = topologyWithEnvPasswords();
    const env: Record<string, string> = { PW_standby: 'old' };
    let accepted = 'old';
    let now = 0;
    const { open, opened } = serverAccepting(() => accepted);
    const connect = await replicaConnector(topology, { env }, { onlySite: 'standby', open, now: () => now });
    const replica = topology.sites.find((site) => site.name === 'standby')!.replicas[0]!;

    env['PW_standby'] = 'new';
    accepted = 'new';
    now += SECRET_REFRESH_MIN_INTERVAL_MS;
    expect(SECRET_REFRESH_MIN_INTERVAL_MS).toBeGreaterThan(0);

    await expect(connect(replica).queryRows('SELECT 1', { timeoutMs: 100 })).resolves.toEqual([]);
    expect(opened.filter((password) => password === 'new').length).toBeGreaterThan(0);
  });

  it('does not look the secret up again on every refused request', async () => {
    const topology = topologyWithEnvPasswords();
    const env: Record<string, string> = { PW_standby: 'wrong' };
    const { open } = serverAccepting(() => 'right');
    let lookups = 0;
    const counting = new Proxy(env, {
      get: (target, key: string) => {
        if (key === 'PW_standby') lookups += 1;
        return target[key];
      },
    });
    const connect = await replicaConnector(
      topology,
      { env: counting },
      { onlySite: 'standby', open, now: () => 0 },
    );
    const replica = topology.sites.find((site) => site.name === 'standby')!.replicas[0]!;

    for (let i = 0; i < 5; i += 1) {
      await expect(connect(replica).exec('SELECT 1', { timeoutMs: 100 })).rejects.toMatchObject({
        failure: PROBE_FAILURES.authFailed,
      });
    }

    expect(lookups).toBe(topology.sites.find((site) => site.name === 'standby')!.replicas.length);
  });
});
