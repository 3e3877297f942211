export { loadMonitorRuntime, type MonitorRuntime } from './runtime.js';
export { once } from './once.js';
export { runScheduledCycle, PUBLISH_MARGIN_MS, type MonitorSummary } from './monitor.js';
export { parseLambdaEnv, type LambdaEnv } from './env.js';
export {
  loadFailoverRuntime,
  handleOperatorEvent,
  lambdaSelfInvoker,
  type FailoverFunctionRuntime,
  type OperatorResult,
} from './failover.js';
