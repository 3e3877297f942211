import { METRICS_ERROR_CODES, MetricsError } from './errors.js';

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
 * minute field is `*`, `* /N` or `0/N` and whose other fields repeat every hour. Alarm periods follow it, so
 * that a slower schedule does not look like missing data to the dead man's switch.
 */
export const schedulePeriodSeconds = (schedule: string): number => {
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
  throw new MetricsError(
    METRICS_ERROR_CODES.badSchedule,
    `schedule ${schedule}: alarms need a regular interval; use rate(N minutes) or a cron whose minute field is */N`,
  );
};
