export {
  runAgentCycle,
  runAgentCyclesForAllSites,
  heartbeatMemoryKey,
  type AgentDeps,
  type AgentCycleResult,
  type Reprobe,
} from './monitor.js';
export { leaveVerdict, peerViews, siteVerdictOf, verdictFreshMs } from './verdict.js';
export { REPROBE_MIN_PERIOD_SECONDS } from './constants.js';
