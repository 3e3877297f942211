export { Pager, alertSettings, incidentKeyPrefix, type PagerOptions } from './pager.js';
export { decideIncident, deferTo, groupIncidents, incidentKeyOf } from './incident.js';
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
export {
  NOTIFICATION_EVENTS,
  MAX_SUBJECT_CHARS,
  DEFAULT_REPAGE_MINUTES,
  DEFAULT_CONFIRM_CYCLES,
  FIRST_STEPS,
  INCIDENT_KEYS,
} from './constants.js';
export type * from './types.js';
