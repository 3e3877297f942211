import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findSite, type Topology } from '../../config/index.js';
import { DynamoStateStore, FileStateStore, siteStateTableName, type StateStore } from '../../state/index.js';
import type { StateOptions } from '../state-option.js';

/** Local state (paging, heartbeat memory, pauses, the failover journal) lives in one file per cluster. */
export const localStatePath = (topology: Topology, dir = '.chdr/state'): string =>
  join(dir, `${topology.cluster}.json`);

export const localStore = (topology: Topology): FileStateStore => {
  const path = localStatePath(topology);
  mkdirSync(dirname(path), { recursive: true });
  return new FileStateStore(path);
};

/**
 * The state store a site's agent reads: the site's table in its region when deployed. The DynamoDB client
 * is imported only then: `chdr check` with local state loads no AWS SDK.
 */
export const siteStateStore = async (
  topology: Topology,
  siteName: string,
  options: StateOptions,
): Promise<StateStore> => {
  if (options.state === 'local') return localStore(topology);
  const site = findSite(topology, siteName);
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  return new DynamoStateStore({
    client: new DynamoDBClient({ region: site.region }),
    tableName: siteStateTableName(topology.cluster, site.name, options.stage),
  });
};
