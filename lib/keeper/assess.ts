import type { CoordinationNode, Thresholds } from '../config/index.js';
import type { Check, CheckStatus } from '../health/index.js';
import { PROBE_FAILURES, type ProbeFailureCode, type ProbeResult } from '../probe/index.js';
import type { NodeProbe } from './types.js';

export type NodeLimits = Pick<Thresholds, 'outstandingRequestsWarn' | 'avgLatencyWarnMs'>;

/** One node of the ensemble as the cycle saw it; `site` is the name of the site that runs it. */
export interface EnsembleMember {
  site: string;
  node: CoordinationNode;
  probe: NodeProbe;
}

const FAILURE_WORDS: Partial<Record<ProbeFailureCode, string>> = {
  [PROBE_FAILURES.timeout]: 'timed out',
  [PROBE_FAILURES.refused]: 'connection refused',
  [PROBE_FAILURES.reset]: 'connection reset',
  [PROBE_FAILURES.unreachable]: 'host unreachable',
};

const results = (probe: NodeProbe): ProbeResult<unknown>[] => [
  probe.mntr,
  probe.srvr,
  probe.isro,
  probe.ruok,
];

const firstFailure = (probe: NodeProbe) =>
  results(probe).find((result): result is Extract<ProbeResult<unknown>, { ok: false }> => !result.ok);

const serverName = (probe: NodeProbe): string => (probe.kind === 'keeper' ? 'Keeper' : 'ZooKeeper');

/** A node's state in a few words, for lists in ensemble summaries. */
const stateOf = (probe: NodeProbe): string => {
  switch (probe.role) {
    case 'unreachable': {
      const code = firstFailure(probe)?.code;
      return `unreachable (${(code && FAILURE_WORDS[code]) ?? code ?? 'no reply'})`;
    }
    case 'not-serving':
      return 'not serving';
    case 'unknown':
      return 'state unknown';
    case 'observer':
      return 'observing';
    default:
      return probe.role;
  }
};

const figuresOf = (probe: NodeProbe) => {
  const mntr = probe.mntr.ok ? probe.mntr.value : undefined;
  const srvr = probe.srvr.ok ? probe.srvr.value : undefined;
  return {
    zxid: srvr?.zxidHex ?? null,
    outstanding: mntr?.outstandingRequests ?? srvr?.outstanding ?? null,
    avgLatencyMs: mntr?.avgLatencyMs ?? srvr?.latency?.avgMs ?? null,
    maxLatencyMs: mntr?.maxLatencyMs ?? srvr?.latency?.maxMs ?? null,
    openFileDescriptors: mntr?.openFileDescriptors ?? null,
    maxFileDescriptors: mntr?.maxFileDescriptors ?? null,
    znodeCount: mntr?.znodeCount ?? srvr?.nodeCount ?? null,
    aliveConnections: mntr?.numAliveConnections ?? srvr?.connections ?? null,
  };
};

/** Why the node's role does not match the topology, or undefined when it does. */
const roleMismatch = (node: CoordinationNode, probe: NodeProbe): string | undefined => {
  const { role } = probe;
  if (node.role === 'participant') {
    return role === 'observer'
      ? 'is an observer but the topology expects a voting participant: the quorum is one vote short'
      : undefined;
  }
  if (role === 'leader' || role === 'follower') {
    return `votes as ${role} but the topology expects an observer: it counts toward the primary's quorum`;
  }
  if (role === 'standalone') {
    return probe.kind === 'keeper'
      ? `reports standalone and isro did not confirm a learner (${probe.isro.ok ? probe.isro.value : probe.isro.code}): expected an observer`
      : 'runs standalone, outside the ensemble: expected an observer';
  }
  return undefined;
};

/**
 * One node's verdict: warn when it cannot be reached or does not serve requests (the ensemble checks turn
 * that critical when the quorum is lost), when its role differs from the topology's, when its outstanding requests or average latency exceed the thresholds, or
 * when it answers but would not say its state.
 */
export const assessCoordinationNode = (
  site: string,
  node: CoordinationNode,
  probe: NodeProbe,
  thresholds: NodeLimits,
): Check => {
  const figures = figuresOf(probe);
  const where = `${node.name} (${probe.endpoint})`;
  const check = (status: CheckStatus, summary: string): Check => ({
    kind: 'coordination-node',
    site,
    subject: node.name,
    status,
    summary,
    values: {
      role: probe.role,
      expectedRole: node.role,
      inactive: false,
      ...figures,
      elapsedMs: probe.elapsedMs,
    },
  });

  // A node down is a warning on its own: the ensemble verdict says critical once the quorum is gone,
  // so one lost participant of three (quorum held) does not page as if writes had stopped.
  if (probe.role === 'unreachable') {
    return check(
      'warn',
      `${where} is ${stateOf(probe)} on every 4lw command: is ${serverName(probe)} running and its client port open?`,
    );
  }
  if (probe.role === 'not-serving') {
    return check(
      'warn',
      `${where} answers but is not serving requests (no leader, no quorum, or recovery mode): ClickHouse sessions on it fail`,
    );
  }

  const problems: string[] = [];
  if (probe.role === 'unknown') {
    const why = firstFailure(probe);
    problems.push(
      `answers but would not give its state (${why?.reason ?? 'unrecognised server state'}): allow ruok,mntr,srvr,isro in ` +
        (probe.kind === 'keeper' ? 'four_letter_word_allow_list' : '4lw.commands.whitelist'),
    );
  }
  const mismatch = roleMismatch(node, probe);
  if (mismatch) problems.push(mismatch);
  if (figures.outstanding !== null && figures.outstanding > thresholds.outstandingRequestsWarn) {
    problems.push(
      `${figures.outstanding} outstanding requests (warn above ${thresholds.outstandingRequestsWarn})`,
    );
  }
  if (figures.avgLatencyMs !== null && figures.avgLatencyMs > thresholds.avgLatencyWarnMs) {
    problems.push(
      `average latency ${figures.avgLatencyMs} ms (warn above ${thresholds.avgLatencyWarnMs} ms)`,
    );
  }
  if (problems.length > 0) return check('warn', `${where} ${problems.join('; ')}`);

  return check(
    'ok',
    `${where} is ${probe.role} as expected (${node.role}): ${figures.outstanding ?? '?'} outstanding, ` +
      `avg latency ${figures.avgLatencyMs ?? '?'} ms, zxid ${figures.zxid ?? '?'}`,
  );
};

const SERVING_PARTICIPANT_ROLES: ReadonlySet<string> = new Set(['leader', 'follower', 'standalone']);
const DOWN_ROLES: ReadonlySet<string> = new Set(['unreachable', 'not-serving']);

const list = (members: readonly EnsembleMember[]): string =>
  members.map((member) => `${member.node.name} ${stateOf(member.probe)}`).join(', ');

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * Verdicts over the whole ensemble (both sites): exactly one leader, a quorum of the configured participants
 * (and, when the leader reports it, enough synced followers), and observers where the topology puts them.
 * Returns the `leader` and `quorum` checks, plus `observers` when the topology lists any. `thresholds` is
 * accepted for symmetry with the node verdict; no ensemble check uses it yet.
 */
export const assessEnsemble = (
  site: string,
  members: readonly EnsembleMember[],
  _thresholds?: NodeLimits,
): Check[] => {
  if (members.length === 0) return [];
  const participants = members.filter((member) => member.node.role === 'participant');
  const observers = members.filter((member) => member.node.role === 'observer');
  // A Keeper leader that sees no voting follower (and a one-node Keeper) says `standalone`.
  const leaders = members.filter(
    (member) =>
      member.probe.role === 'leader' ||
      (member.node.role === 'participant' && member.probe.role === 'standalone'),
  );
  const leader = leaders.length === 1 ? leaders[0] : undefined;
  const leaderMntr = leader?.probe.mntr.ok ? leader.probe.mntr.value : undefined;

  const up = participants.filter((member) => SERVING_PARTICIPANT_ROLES.has(member.probe.role));
  const down = participants.filter((member) => !SERVING_PARTICIPANT_ROLES.has(member.probe.role));
  const majority = Math.floor(participants.length / 2) + 1;
  const syncedFollowers = leaderMntr?.syncedFollowers ?? null;
  const enoughSynced = syncedFollowers === null || syncedFollowers + 1 >= majority;
  const quorum = participants.length > 0 && up.length >= majority && enoughSynced;

  const observing = members.filter((member) => member.probe.role === 'observer');
  const observersUp = observers.filter((member) => member.probe.role === 'observer');
  const reportedObservers =
    members[0]!.probe.kind === 'keeper'
      ? [leaderMntr?.syncedNonVotingFollowers]
      : members.map((member) => (member.probe.mntr.ok ? member.probe.mntr.value.syncedObservers : undefined));
  const syncedObservers = reportedObservers.some((count) => count !== undefined)
    ? reportedObservers.reduce<number>((sum, count) => sum + (count ?? 0), 0)
    : null;

  const values = {
    leaders: leaders.map((member) => member.node.name),
    participantsUp: up.length,
    participantsTotal: participants.length,
    participantsUnknown: 0,
    observersUp: observersUp.length,
    observersTotal: observers.length,
    syncedFollowers,
    syncedObservers,
    quorum,
  };
  const check = (subject: string, status: CheckStatus, summary: string): Check => ({
    kind: 'coordination-ensemble',
    site,
    subject,
    status,
    summary,
    values,
  });

  const checks: Check[] = [];

  if (leader) {
    checks.push(check('leader', 'ok', `${leader.node.name} (site ${leader.site}) is the only leader`));
  } else if (leaders.length === 0) {
    checks.push(
      check(
        'leader',
        'critical',
        `no leader among ${plural(participants.length, 'participant')} (${list(participants)}): ` +
          'election in progress or quorum lost; replicated tables are read-only',
      ),
    );
  } else {
    checks.push(
      check(
        'leader',
        'critical',
        `${leaders.length} leaders (${leaders.map((member) => `${member.node.name} at ${member.site}`).join(', ')}): ` +
          'split brain; stop the one outside the intended ensemble before writes diverge',
      ),
    );
  }

  if (participants.length === 0) {
    checks.push(
      check('quorum', 'critical', 'the topology lists no voting participant: there can be no quorum'),
    );
  } else if (!quorum) {
    const why =
      up.length < majority
        ? `${down.length} of ${plural(participants.length, 'participant')} down (${list(down)})`
        : `leader ${leader!.node.name} reports ${plural(syncedFollowers!, 'synced follower')}, needs ${majority - 1}`;
    checks.push(
      check(
        'quorum',
        'critical',
        `no quorum: ${why}; replicated tables are read-only until a majority of ${majority} is back`,
      ),
    );
  } else if (down.length > 0) {
    const spare = up.length - majority;
    const gone = down.every((member) => DOWN_ROLES.has(member.probe.role)) ? 'down' : 'not voting';
    checks.push(
      check(
        'quorum',
        'warn',
        `quorum held, ${down.length === 1 ? 'one participant' : plural(down.length, 'participant')} ${gone} (${list(down)}): ` +
          (spare === 0 ? 'one more loss stops writes' : `${spare + 1} more losses stop writes`),
      ),
    );
  } else if (syncedFollowers !== null && syncedFollowers + 1 < up.length) {
    checks.push(
      check(
        'quorum',
        'warn',
        `quorum held, but leader ${leader!.node.name} reports ${plural(syncedFollowers, 'synced follower')} ` +
          `of ${up.length - 1} up: a follower is lagging`,
      ),
    );
  } else {
    checks.push(
      check(
        'quorum',
        'ok',
        `quorum held: ${up.length} of ${plural(participants.length, 'participant')} serving` +
          (syncedFollowers === null ? '' : `, ${plural(syncedFollowers, 'synced follower')}`),
      ),
    );
  }

  if (observers.length > 0) {
    const missing = observers.filter((member) => member.probe.role !== 'observer');
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`${list(missing)} instead of observing`);
    if (syncedObservers !== null && syncedObservers < observing.length) {
      problems.push(
        `the ensemble reports ${plural(syncedObservers, 'synced observer')} of ${observing.length} observing: ` +
          'the standby copy is lagging',
      );
    }
    checks.push(
      problems.length > 0
        ? check('observers', 'warn', `observers: ${problems.join('; ')}`)
        : check(
            'observers',
            'ok',
            `${plural(observersUp.length, 'observer')} observing (${observersUp.map((m) => m.node.name).join(', ')})` +
              (syncedObservers === null ? '' : `, ${syncedObservers} synced`),
          ),
    );
  }

  return checks;
};
