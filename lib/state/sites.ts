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
 * Another site's table, named like this stack's own (same stage): a function knows its own table from
 * its environment and derives the other regions' from it. Undefined when the own name does not follow
 * the stacks' naming (then only the own table is known).
 */
export const peerStateTableName = (
  ownTable: string,
  cluster: string,
  ownSite: string,
  site: string,
): string | undefined => {
  const ownBase = stackBaseName(cluster, ownSite);
  if (!ownTable.startsWith(ownBase) || !ownTable.endsWith('-state')) return undefined;
  return `${stackBaseName(cluster, site)}${ownTable.slice(ownBase.length)}`;
};
