export {
  createClickHouseConnection,
  endpointUrl,
  type ClickHouseEndpoint,
  type ConnectionDeps,
} from './connection.js';
export { cachedClickHouseConnection, closeCachedConnections } from './connection-cache.js';
export { createHttpTransport } from './http-transport.js';
export {
  ClickHouseRequestError,
  parseClickHouseError,
  describeException,
  failureOfException,
  probeFailureOf,
  probeFailedWith,
} from './errors.js';
export { explainFailure, type FailureExplanation } from './explain.js';
export { parseReplicasStatus, parseReplicaRow, parseReplicaRows, unsignedOf } from './parse.js';
export {
  probeReplica,
  probeReplicasStatus,
  probeReplicaTables,
  usersTableOf,
  REPLICAS_QUERY,
  type ReplicaProbeOptions,
} from './probe.js';
export { assessReplica } from './assess.js';
export { counterDeltas } from './assess-server.js';
export {
  probeServerHealth,
  parseCounters,
  parseServerCounterMemory,
  SERVER_QUERIES,
  SERVER_QUERY,
} from './server-probe.js';
export { quoteString, quoteIdentifier, qualifiedName } from './sql.js';
export {
  CLICKHOUSE_ERROR_CODES,
  CLICKHOUSE_EXCEPTION_TYPES,
  REPLICA_COLUMNS,
  SERVER_COUNTERS,
  TABLE_STATES,
} from './constants.js';
export type * from './types.js';
