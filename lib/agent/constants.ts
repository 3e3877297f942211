/**
 * Where the schedule is at least this long, a condition awaiting confirmation is probed again within the
 * invocation: waiting a whole period to confirm would delay every page by a minute or more.
 */
export const REPROBE_MIN_PERIOD_SECONDS = 60;

/** The second look comes this long after the first: past a leader election or a single slow reply. */
export const REPROBE_AFTER_MS = 10_000;
