import type { Context } from 'aws-lambda';
import { REPROBE_MIN_PERIOD_SECONDS, runAgentCycle, type AgentCycleResult } from '../agent/index.js';
import { schedulePeriodSeconds } from '../metrics/index.js';
import { systemClock } from '../probe/index.js';
import type { MonitorRuntime } from './runtime.js';

/** Time kept back from the Lambda timeout to publish metrics and pages after the probes. */
export const PUBLISH_MARGIN_MS = 5_000;

export interface MonitorSummary {
  site: string;
  status: AgentCycleResult['report']['status'];
  durationMs: number;
  datums: number;
  pagesSent: number;
  critical: string[];
}

/**
 * One scheduled cycle. The probes get what the Lambda timeout leaves minus a publishing margin, so the
 * cycle always finishes and publishes (timeouts become critical checks) instead of being killed. On a
 * schedule of a minute or more, a condition awaiting confirmation is probed again if the time allows.
 */
export const runScheduledCycle = async (
  runtime: MonitorRuntime,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => {
  const deadlineMs = Math.max(
    1_000,
    Math.min(runtime.topology.timeouts.cycleMs, context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS),
  );
  const longSchedule = schedulePeriodSeconds(runtime.topology.schedule) >= REPROBE_MIN_PERIOD_SECONDS;
  const reprobe = {
    afterMs: runtime.topology.alerts.confirmSeconds * 1000,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    remainingMs: () => context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS,
  };
  const result = await runAgentCycle({
    ...runtime,
    clock: systemClock,
    deadlineMs,
    ...(longSchedule ? { reprobe } : {}),
  });
  const summary: MonitorSummary = {
    site: result.report.site,
    status: result.report.status,
    durationMs: result.report.durationMs,
    datums: result.datums.length,
    pagesSent: result.paging.sent,
    critical: result.report.checks
      .filter((check) => check.status === 'critical')
      .map((check) => check.summary),
  };
  return { result, summary };
};
