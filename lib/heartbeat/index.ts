export { heartbeatTableDdl, heartbeatDatabaseDdl } from './ddl.js';
export { heartbeatInsertSql, heartbeatReadSql } from './sql.js';
export { ensureHeartbeatTable, writeHeartbeat } from './write.js';
export { readHeartbeats, parseHeartbeatReading } from './read.js';
export { assessHeartbeat } from './assess.js';
export { parseHeartbeatMemory, emptyHeartbeatMemory } from './memory.js';
export { HEARTBEAT_LAG_METHOD, HEARTBEAT_OUTCOMES, MAX_CLOCK_SKEW_SECONDS } from './constants.js';
export type * from './types.js';
