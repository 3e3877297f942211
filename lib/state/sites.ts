/**
 * Each site's stack keeps its state in a DynamoDB table in the site's region, named after the stack
 * (`chdr-<cluster>-<site>[-<stage>]-state`). Anything that must read or write another region's state
 * (roles, fences, site verdicts, the failover lock and journal) derives the name from here.
 */
export const stackBaseName = (cluster: string, site: string, stage = 'prod'): string =>
  `chdr-${cluster}-${site}${stage === 'prod' ? '' : `-${stage}`}`;

export const siteStateTableName = (cluster: string, site: string, stage = 'prod'): string =>
  `${stackBaseName(cluster, site, stage)}-state`;
