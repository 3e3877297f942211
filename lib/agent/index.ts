export {
  runAgentCycle,
  runAgentCyclesForAllSites,
  heartbeatMemoryKey,
  type AgentDeps,
  type AgentCycleResult,
} from './monitor.js';
