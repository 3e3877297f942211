export { CHECK_STATUSES, CHECK_KINDS } from './constants.js';
export { worstStatus, gradeAbove } from './status.js';
export type { Check, CheckStatus, CheckKind } from './types.js';
