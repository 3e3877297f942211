/**
 * Where the schedule is at least this long, a condition awaiting confirmation is probed again within the
 * invocation (`alerts.confirmSeconds` later): waiting a whole period to confirm would delay every page by a
 * minute or more.
 */
export const REPROBE_MIN_PERIOD_SECONDS = 60;
