import { explainFailure } from '../clickhouse/index.js';
import type { Check, CheckStatus } from '../health/index.js';
import { gradeAbove, worstStatus } from '../health/index.js';
import type { ProbeResult } from '../probe/index.js';
import {
  HEARTBEAT_LAG_METHOD,
  HEARTBEAT_MEMORY_VERSION,
  HEARTBEAT_OUTCOMES,
  MAX_CLOCK_SKEW_SECONDS,
} from './constants.js';
import type {
  HeartbeatAssessInput,
  HeartbeatAssessment,
  HeartbeatMemory,
  HeartbeatOutcome,
  HeartbeatReading,
  HeartbeatSourceMemory,
  HeartbeatWrite,
} from './types.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const writeCheck = (selfSite: string, write: ProbeResult<HeartbeatWrite>): Check => {
  if (write.ok) {
    return {
      kind: 'heartbeat-write',
      site: selfSite,
      subject: selfSite,
      status: 'ok',
      summary: `heartbeat of ${selfSite} written in ${write.elapsedMs} ms${write.value.createdTable ? ' (heartbeat table created)' : ''}`,
      values: {
        outcome: 'ok',
        elapsedMs: write.elapsedMs,
        writtenAt: write.value.writtenAt,
        createdTable: write.value.createdTable,
        reason: null,
      },
    };
  }
  const { what, hint } = explainFailure(write);
  return {
    kind: 'heartbeat-write',
    site: selfSite,
    subject: selfSite,
    status: 'critical',
    summary: `heartbeat write failed: ${what} — ${hint}`,
    values: {
      outcome: write.serverErrorType ?? write.code,
      elapsedMs: write.elapsedMs,
      writtenAt: null,
      createdTable: null,
      reason: write.reason,
    },
  };
};

interface LagVerdict {
  status: CheckStatus;
  outcome: HeartbeatOutcome;
  summary: string;
}

const judgeLag = (
  source: string,
  selfSite: string,
  lagSeconds: number,
  entry: HeartbeatSourceMemory,
  input: HeartbeatAssessInput,
): LagVerdict => {
  const {
    heartbeatLagWarnSeconds: warn,
    heartbeatLagCriticalSeconds: critical,
    stalledCycles,
  } = input.thresholds;
  const graded = gradeAbove(lagSeconds, warn, critical);
  // Stall: how long the source's row has stayed the same, on this agent's clock alone, so that a writer
  // whose clock runs ahead cannot hide it. Judged only after `stalledCycles` unchanged reads.
  const unchangedSeconds = Math.floor((input.clock.now() - entry.firstReadAt) / 1000);
  const stall = entry.unchangedCycles >= stalledCycles ? gradeAbove(unchangedSeconds, warn, critical) : 'ok';
  if (stall !== 'ok' && worstStatus([stall, graded]) === stall) {
    return {
      status: stall,
      outcome: HEARTBEAT_OUTCOMES.stalled,
      summary:
        `heartbeat from ${source} stalled: unchanged for ${plural(entry.unchangedCycles, 'cycle')}, ${unchangedSeconds} s on ` +
        `${selfSite}'s clock (lag reads ${lagSeconds} s) — ${source} stopped writing, replication to ${selfSite} stopped, or ${source}'s clock is ahead`,
    };
  }
  if (graded !== 'ok') {
    const limit = graded === 'critical' ? critical : warn;
    return {
      status: graded,
      outcome: HEARTBEAT_OUTCOMES.lagging,
      summary: `heartbeat from ${source} is ${lagSeconds} s old on ${selfSite} (${graded} ≥ ${limit} s) — replication from ${source} is behind or ${source} stopped writing`,
    };
  }
  if (lagSeconds < -MAX_CLOCK_SKEW_SECONDS) {
    return {
      status: 'warn',
      outcome: HEARTBEAT_OUTCOMES.clockSkew,
      summary: `heartbeat from ${source} is ${-lagSeconds} s in ${selfSite}'s future — the servers' clocks disagree, check NTP`,
    };
  }
  return {
    status: 'ok',
    outcome: HEARTBEAT_OUTCOMES.ok,
    summary: `heartbeat from ${source} is ${lagSeconds} s old on ${selfSite}`,
  };
};

const lagCheck = (
  input: HeartbeatAssessInput,
  source: string,
  status: CheckStatus,
  summary: string,
  values: {
    outcome: HeartbeatOutcome;
    lagSeconds: number | null;
    unchangedCycles: number | null;
    lastUpdatedAt: number | null;
    serverNow: number | null;
  },
): Check => ({
  kind: 'heartbeat-lag',
  site: input.selfSite,
  subject: source,
  status,
  summary,
  values: { ...values, method: HEARTBEAT_LAG_METHOD },
});

const assessSources = (
  input: HeartbeatAssessInput,
  reading: HeartbeatReading,
  memory: HeartbeatMemory,
): Check[] => {
  const now = input.clock.now();
  const newest = new Map(reading.rows.map((row) => [row.siteId, row.lastUpdatedAt]));
  return input.sources.map((source) => {
    const lastUpdatedAt = newest.get(source);
    if (lastUpdatedAt === undefined) {
      // On an agent's first cycle both sites may write at the same moment: only a warning until the
      // next cycle has had a chance to see the other site's first heartbeat.
      return lagCheck(
        input,
        source,
        input.previous === undefined ? 'warn' : 'critical',
        `heartbeat from ${source} never seen on ${input.selfSite} — is chdr writing at ${source}, and is the heartbeat table replicated across sites?`,
        {
          outcome: HEARTBEAT_OUTCOMES.neverSeen,
          lagSeconds: null,
          unchangedCycles: null,
          lastUpdatedAt: null,
          serverNow: reading.serverNow,
        },
      );
    }
    const before = input.previous?.sources[source];
    const entry: HeartbeatSourceMemory =
      before !== undefined && before.lastUpdatedAt === lastUpdatedAt
        ? { lastUpdatedAt, unchangedCycles: before.unchangedCycles + 1, firstReadAt: before.firstReadAt }
        : { lastUpdatedAt, unchangedCycles: 0, firstReadAt: now };
    memory.sources[source] = entry;
    const lagSeconds = reading.serverNow - lastUpdatedAt;
    const verdict = judgeLag(source, input.selfSite, lagSeconds, entry, input);
    return lagCheck(input, source, verdict.status, verdict.summary, {
      outcome: verdict.outcome,
      lagSeconds,
      unchangedCycles: entry.unchangedCycles,
      lastUpdatedAt,
      serverNow: reading.serverNow,
    });
  });
};

/**
 * Judges the heartbeats: a `heartbeat-write` check for this site's own write, and one `heartbeat-lag`
 * check per source site (lag = reader's now() − source's newest updated_at). A source never seen, a
 * failed read are critical outcomes of their own. Stall: the source's newest updated_at stayed the same
 * for `stalledCycles` consecutive reads and for longer than the lag thresholds on this agent's own clock,
 * which catches a stopped writer even when its clock runs ahead and the computed lag looks small. Returns the memory to persist for the next cycle.
 */
export const assessHeartbeat = (input: HeartbeatAssessInput): HeartbeatAssessment => {
  const checks: Check[] = [];
  if (input.write !== undefined) checks.push(writeCheck(input.selfSite, input.write));

  const memory: HeartbeatMemory = { version: HEARTBEAT_MEMORY_VERSION, sources: {} };
  if (input.read.ok) {
    checks.push(...assessSources(input, input.read.value, memory));
    return { checks, memory };
  }

  // Nothing was read, so nothing is known to have changed or stayed: carry the memory over untouched.
  const failure = input.read;
  const { what, hint } = explainFailure(failure);
  for (const source of input.sources) {
    const before = input.previous?.sources[source];
    if (before !== undefined) memory.sources[source] = before;
    checks.push(
      lagCheck(
        input,
        source,
        'critical',
        `heartbeat from ${source} unknown: read on ${input.selfSite} failed: ${what} — ${hint}`,
        {
          outcome: HEARTBEAT_OUTCOMES.readFailed,
          lagSeconds: null,
          unchangedCycles: before?.unchangedCycles ?? null,
          lastUpdatedAt: before?.lastUpdatedAt ?? null,
          serverNow: null,
        },
      ),
    );
  }
  return { checks, memory };
};
