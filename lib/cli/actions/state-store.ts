import { findSite, type Topology } from '../../config/index.js';
import { DynamoStateStore, siteStateTableName, type StateStore } from '../../state/index.js';
import type { StateOptions } from '../state-option.js';
import { localStore } from './local-runtime.js';

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
