import { HINTS, plural, type Finding } from './findings.js';
import type { ReplicaThresholds, ServerCounters, ServerHealth } from './types.js';

/** Counter changes since the previous cycle; a counter that went down means the server restarted. */
export const counterDeltas = (
  now: ServerCounters,
  previous: ServerCounters | undefined,
): ServerCounters | undefined => {
  if (previous === undefined) return undefined;
  const delta = (key: keyof ServerCounters) =>
    now[key] >= previous[key] ? now[key] - previous[key] : now[key];
  return {
    zooKeeperHardwareExceptions: delta('zooKeeperHardwareExceptions'),
    delayedInserts: delta('delayedInserts'),
    rejectedInserts: delta('rejectedInserts'),
  };
};

/** Clock skew, parts per partition, coordination sessions and the counters' changes this cycle. */
export const serverFindings = (
  server: ServerHealth | undefined,
  deltas: ServerCounters | undefined,
  thresholds: ReplicaThresholds,
): Finding[] => {
  if (server === undefined) return [];
  const findings: Finding[] = [];
  const skew = server.clockSkewSeconds;
  if (skew !== null && Math.abs(skew) > thresholds.clockSkewWarnSeconds) {
    findings.push({
      status: 'warn',
      text: `clock ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the agent's (warn above ${thresholds.clockSkewWarnSeconds} s)`,
      hint: HINTS.clock,
    });
  }
  const busiest = server.busiestPartition;
  if (busiest !== null && busiest.parts >= thresholds.partsPerPartitionWarn) {
    findings.push({
      status: 'warn',
      text: `${busiest.parts} active parts in partition ${busiest.partition} of ${busiest.table} (warn ≥ ${thresholds.partsPerPartitionWarn})`,
      hint: HINTS.parts,
    });
  }
  if (server.zooKeeperSessions > 1) {
    findings.push({
      status: 'warn',
      text: `${server.zooKeeperSessions} coordination sessions`,
      hint: HINTS.sessions,
    });
  }
  if (deltas !== undefined) {
    if (deltas.rejectedInserts > 0) {
      findings.push({
        status: 'critical',
        text: `${plural(deltas.rejectedInserts, 'insert')} rejected since the last cycle`,
        hint: HINTS.rejected,
      });
    }
    if (deltas.delayedInserts > 0) {
      findings.push({
        status: 'warn',
        text: `${plural(deltas.delayedInserts, 'insert')} delayed since the last cycle`,
        hint: HINTS.parts,
      });
    }
    if (deltas.zooKeeperHardwareExceptions > 0) {
      findings.push({
        status: 'warn',
        text: `${plural(deltas.zooKeeperHardwareExceptions, 'ZooKeeper hardware exception')} since the last cycle`,
        hint: HINTS.hardware,
      });
    }
  }
  return findings;
};
