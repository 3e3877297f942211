export { loadTopology, parseTopology, parseTopologyText, type LoadOptions } from './load.js';
export type { TopologyCache } from './cache.js';
export { ConfigError, CONFIG_ERROR_CODES } from './errors.js';
export { resolveSecret, type SecretDeps } from './secrets.js';
export {
  findSite,
  primarySite,
  otherSites,
  allReplicas,
  allCoordinationNodes,
  withExtraEndpoints,
  UNKNOWN_SITE,
} from './topology.js';
export { topologySchema, type TopologyInput } from './schema.js';
export { configReferenceMarkdown } from './reference.js';
export { EXIT_USAGE } from './constants.js';
export { schedulePeriodSeconds, scheduleThresholdProblems } from './schedule.js';
export type * from './types.js';
