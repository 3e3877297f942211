import type { Topology } from './types.js';

const UNIT_SECONDS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86_400,
  days: 86_400,
};

/**
 * Seconds between two cycles for an EventBridge schedule expression: `rate(N unit)`, or a `cron(...)` whose
 * minute field is `*`, `* /N` or `0/N` and whose other fields repeat every hour; undefined for any other.
 */
export const schedulePeriodSeconds = (schedule: string): number | undefined => {
  const rate = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/.exec(schedule.trim());
  if (rate) {
    const value = Number(rate[1]) * UNIT_SECONDS[rate[2]!]!;
    if (value > 0) return value;
  }
  const cron = /^cron\((.+)\)$/.exec(schedule.trim());
  if (cron) {
    const [minute, hour] = cron[1]!.trim().split(/\s+/);
    const everyHour = hour === '*' || hour === '*/1';
    if (everyHour && (minute === '*' || minute === '0/1' || minute === '*/1')) return 60;
    const step = /^(?:\*|0)\/(\d+)$/.exec(minute ?? '');
    if (everyHour && step && 60 % Number(step[1]) === 0) return Number(step[1]) * 60;
  }
  return undefined;
};

/**
 * Thresholds that cannot work with the schedule, as `path: what is wrong and the fix`. The heartbeat is
 * written once per cycle, so a healthy standby reads it up to one period old: a warn threshold under two
 * periods warns on a healthy cluster. Checked where the schedule is real (the deployed stack and its alarms);
 * a local agent runs on its own interval.
 */
export const scheduleThresholdProblems = (topology: Pick<Topology, 'schedule' | 'thresholds'>): string[] => {
  const period = schedulePeriodSeconds(topology.schedule);
  if (period === undefined) return [];
  const { heartbeatLagWarnSeconds: warn } = topology.thresholds;
  return warn < 2 * period
    ? [
        `thresholds.heartbeatLagWarnSeconds: ${warn} s is under two schedule periods (${2 * period} s with ${topology.schedule}); ` +
          `raise it to ${2 * period} or more, or run the schedule more often`,
      ]
    : [];
};
