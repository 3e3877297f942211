export { MemoryStateStore } from './memory.js';
export { FileStateStore, STATE_ERROR_CODES, type FileStateStoreOptions } from './file.js';
export { DynamoStateStore, DYNAMO_ATTRIBUTES, type DynamoStateStoreOptions } from './dynamo.js';
export type { StateStore, StoredItem, PutOptions } from './types.js';
export { siteStateTableName, stackBaseName, stageOfStateTable } from './sites.js';
