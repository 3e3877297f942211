export { METRIC_CATALOG, RUNBOOK, metricDefinition, type MetricCatalog, type MetricName } from './catalog.js';
export { metricDataFromReport, agentErrorData, reportTime } from './data.js';
export {
  MetricsPublisher,
  createCloudWatchClient,
  chunkMetricData,
  estimateDatumBytes,
  type PublishResult,
} from './publish.js';
export {
  alarmInstances,
  alarmResources,
  sourceSitesOf,
  seriesOf,
  DEFAULT_RUNBOOK_BASE,
  type AlarmTopics,
} from './alarms.js';
export { dashboardBody } from './dashboard.js';
export {
  costModel,
  catalogMarkdown,
  dashboardSite,
  lambdaCost,
  type LambdaCost,
  type LambdaCycleProfile,
  type SiteCost,
} from './cost.js';
export { schedulePeriodSeconds } from './schedule.js';
export { agentErrorMetric, type AgentErrorMetricOptions } from './middleware/middy.js';
export { MetricsError, METRICS_ERROR_CODES } from './errors.js';
export { DIMENSIONS, MAX_DATUMS_PER_CALL, MAX_PAYLOAD_BYTES, DEFAULT_MAX_ATTEMPTS } from './constants.js';
export type * from './types.js';
export {
  connectivityCost,
  connectivityMarkdown,
  VPC_PRICES_USD,
  type ConnectivityCost,
} from './connectivity.js';
