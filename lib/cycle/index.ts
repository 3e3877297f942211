export { runCycle, type CycleDeps } from './run.js';
export { replicaConnector, type Connect } from './connections.js';
export type { HealthReport } from './types.js';
