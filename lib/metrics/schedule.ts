import {
  schedulePeriodSeconds as periodOf,
  scheduleThresholdProblems,
  type Topology,
} from '../config/index.js';
import { METRICS_ERROR_CODES, MetricsError } from './errors.js';

/**
 * Seconds between two cycles for the schedule expression. Alarm periods follow it, so that a slower schedule
 * does not look like missing data to the dead man's switch; an irregular schedule is an error.
 */
export const schedulePeriodSeconds = (schedule: string): number => {
  const period = periodOf(schedule);
  if (period !== undefined) return period;
  throw new MetricsError(
    METRICS_ERROR_CODES.badSchedule,
    `schedule ${schedule}: alarms need a regular interval; use rate(N minutes) or a cron whose minute field is */N`,
  );
};

/** The period of a deployed schedule, refusing thresholds that cannot work with it (a config error). */
export const deployedPeriodSeconds = (topology: Pick<Topology, 'schedule' | 'thresholds'>): number => {
  const period = schedulePeriodSeconds(topology.schedule);
  const problems = scheduleThresholdProblems(topology);
  if (problems.length > 0) throw new MetricsError(METRICS_ERROR_CODES.badSchedule, problems.join('\n'));
  return period;
};
