import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Option } from 'commander';
import { findSite, type Topology } from '../config/index.js';
import { DynamoStateStore, siteStateTableName, type StateStore } from '../state/index.js';
import { localStore } from './local-runtime.js';

/** Where the state the agents read lives: the local file, or each site's deployed table. */
export interface StateOptions {
  state: 'local' | 'aws';
  stage: string;
}

/** `--state local|aws` and `--stage`, shared by the commands that read or write what the agents read. */
export const stateOptions = () => [
  new Option(
    '--state <where>',
    "local: the state file of `chdr agent`; aws: the deployed site's DynamoDB table, in its region",
  )
    .choices(['local', 'aws'])
    .default('local'),
  new Option('--stage <stage>', 'the deployment stage whose tables --state aws uses').default('prod'),
];

/** The state store a site's agent reads: the site's table in its region when deployed. */
export const siteStateStore = (topology: Topology, siteName: string, options: StateOptions): StateStore => {
  if (options.state === 'local') return localStore(topology);
  const site = findSite(topology, siteName);
  return new DynamoStateStore({
    client: new DynamoDBClient({ region: site.region }),
    tableName: siteStateTableName(topology.cluster, site.name, options.stage),
  });
};
