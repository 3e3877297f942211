// Validation (./parse.js, ./schema.js: zod and the YAML parser) is imported by name where it is used, not
// from here: everything that only reads a topology then loads neither (loadTopology imports it on a miss).
export { loadTopology, type LoadOptions } from './load.js';
export type { TopologyCache } from './cache.js';
export { userCacheDir } from './cache-dir.js';
export { ConfigError, CONFIG_ERROR_CODES } from './errors.js';
export { resolveSecret, type SecretDeps } from './secrets.js';
export {
  findSite,
  primarySite,
  otherSites,
  allReplicas,
  allCoordinationNodes,
  UNKNOWN_SITE,
} from './topology.js';
export type { TopologyInput } from './schema.js';
export { EXIT_USAGE } from './constants.js';
export { schedulePeriodSeconds, scheduleThresholdProblems } from './schedule.js';
export type * from './types.js';
