/**
 * Each site's stack keeps its state in a DynamoDB table in the site's region, named after the stack
 * (`chdr-<cluster>-<site>[-<stage>]-state`). Anything that must read or write another region's state
 * (roles, fences, site verdicts, the failover lock and journal) derives the name from here.
 */
export const stackBaseName = (cluster: string, site: string, stage = 'prod'): string =>
  `chdr-${cluster}-${site}${stage === 'prod' ? '' : `-${stage}`}`;

export const siteStateTableName = (cluster: string, site: string, stage = 'prod'): string =>
  `${stackBaseName(cluster, site, stage)}-state`;

/**
 * The stage a site's table name was made with (`siteStateTableName`), so that a deployed function that
 * knows only its own table (`CHDR_STATE_TABLE`) finds the other sites' tables. Undefined when it does not fit.
 */
export const stageOfStateTable = (table: string, cluster: string, site: string): string | undefined => {
  const base = stackBaseName(cluster, site);
  if (table === `${base}-state`) return 'prod';
  const match = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(.+)-state$`).exec(table);
  return match?.[1];
};
