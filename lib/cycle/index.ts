export { runCycle, type CycleDeps } from './run.js';
export {
  replicaConnector,
  SECRET_REFRESH_MIN_INTERVAL_MS,
  type Connect,
  type ConnectorOptions,
} from './connections.js';
export {
  describeFence,
  describePrimary,
  expectationsOf,
  liveLayout,
  liveRoleOf,
  monitoredCoordination,
  roleChecks,
} from './roles.js';
export type { HealthReport } from './types.js';
