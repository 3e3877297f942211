export { runCycle, type CycleDeps } from './run.js';
export { replicaConnector, type Connect } from './connections.js';
export { describeFence, describePrimary, expectationsOf, liveRoleOf, roleChecks } from './roles.js';
export type { HealthReport } from './types.js';
