export { executeOperation, planOperation, formatPlan } from './engine.js';
export { buildSteps, confirmationFor, sitesOf } from './operations.js';
export {
  handleFailoverEvent,
  failoverEventSchema,
  type FailoverInvocation,
  type FailoverLambdaEvent,
  type FailoverLambdaResult,
} from './lambda.js';
export { history, formatHistory } from './history.js';
export { listRuns, readOpenRun, runKey } from './journal.js';
export { listAllRuns } from './authority.js';
export { describeRoles, readLiveRoles } from './live-roles.js';
export { observePrimary } from './guards.js';
export { SnsFailoverNotifier, combineNotifiers, failoverSubject } from './notifier.js';
export { createFailoverRuntime, tcpSendWord, type FailoverRuntime, type RuntimeOptions } from './runtime.js';
export { FailoverError, FAILOVER_ERROR_CODES } from './errors.js';
export {
  OPERATION_KINDS,
  RUN_RESULTS,
  STEP_STATES,
  STATE_KEYS,
  DEFAULT_COMMANDS,
  DEFAULT_PATHS,
} from './constants.js';
export { parseZooCfg, renderZooCfg } from './zookeeper-config.js';
export { parseKeeperServers, renderKeeperConfig, parseLgif, pickRecoveryLeader } from './keeper-config.js';
export { parseClickHouseCoordination, renderClickHouseCoordination } from './clickhouse-config.js';
export type * from './types.js';
