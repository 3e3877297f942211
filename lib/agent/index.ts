export { runAgentCycle, heartbeatMemoryKey, type AgentDeps, type AgentCycleResult } from './monitor.js';
