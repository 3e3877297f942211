export { CHECK_STATUSES, CHECK_KINDS, NODE_ROLES, EXPECTED_NODE_ROLES } from './constants.js';
export { worstStatus, gradeAbove, isCheckOf, findCheck } from './status.js';
export type { Check, CheckOf, CheckStatus, CheckKind, CheckValuesByKind } from './types.js';
export type * from './values.js';
