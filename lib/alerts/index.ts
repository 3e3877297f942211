export { Pager, pageKeyPrefix, type PagerOptions } from './pager.js';
export { Pauses, pauseKey, type PausesOptions } from './pause.js';
export { SnsNotifier, MemoryNotifier, messageAttributes } from './notifier.js';
export {
  pageMessage,
  resolvedMessage,
  pauseMessage,
  safeSubject,
  checkTitle,
  runbookLink,
} from './message.js';
export { AlertsError, ALERTS_ERROR_CODES } from './errors.js';
export { NOTIFICATION_EVENTS, MAX_SUBJECT_CHARS, DEFAULT_REPAGE_MINUTES, FIRST_STEPS } from './constants.js';
export type * from './types.js';
