import type { CoordinationNode } from '../config/index.js';
import type { CheckOf, CheckStatus, CoordinationEnsembleValues } from '../health/index.js';
import type { NodeLimits } from './assess-node.js';
import { plural, stateOf } from './describe.js';
import type { EnsembleExpectations, MntrReport, NodeProbe } from './types.js';

/** One node of the ensemble as the cycle saw it; `site` is the name of the site that runs it. */
export interface EnsembleMember {
  site: string;
  node: CoordinationNode;
  probe: NodeProbe;
}

type EnsembleCheck = CheckOf<'coordination-ensemble'>;

/** What the topology says: its participants vote, no site is inactive. */
export const topologyExpectations = (members: readonly EnsembleMember[]): EnsembleExpectations => ({
  voters: new Set(members.filter((m) => m.node.role === 'participant').map((m) => m.node.name)),
  inactiveSites: new Set(),
});

const SERVING_VOTER_ROLES: ReadonlySet<string> = new Set(['leader', 'follower', 'standalone']);
const DOWN_ROLES: ReadonlySet<string> = new Set(['unreachable', 'not-serving']);

/** The members sorted by what they are expected to do and what they did. */
interface Census {
  voters: EnsembleMember[];
  /** Voters that serve (leader, follower, standalone). */
  up: EnsembleMember[];
  /** Voters whose state cannot be read: neither up nor down. */
  unreadable: EnsembleMember[];
  /** Voters known not to vote: unreachable, not serving, observing. */
  down: EnsembleMember[];
  /** Expected observers of active sites. */
  observers: EnsembleMember[];
  leaders: EnsembleMember[];
  majority: number;
  leaderMntr: MntrReport | undefined;
}

const takeCensus = (members: readonly EnsembleMember[], expected: EnsembleExpectations): Census => {
  const active = members.filter((member) => !expected.inactiveSites.has(member.site));
  const voters = members.filter((member) => expected.voters.has(member.node.name));
  // Any member that says leader counts, even in a fenced site: two leaders is a split brain.
  // A Keeper leader that sees no voting follower (and a one-node Keeper) says `standalone`.
  const leaders = members.filter(
    (member) =>
      member.probe.role === 'leader' ||
      (expected.voters.has(member.node.name) && member.probe.role === 'standalone'),
  );
  const leader = leaders.length === 1 ? leaders[0] : undefined;
  return {
    voters,
    up: voters.filter((member) => SERVING_VOTER_ROLES.has(member.probe.role)),
    unreadable: voters.filter((member) => member.probe.role === 'unknown'),
    down: voters.filter(
      (member) => !SERVING_VOTER_ROLES.has(member.probe.role) && member.probe.role !== 'unknown',
    ),
    observers: active.filter((member) => !expected.voters.has(member.node.name)),
    leaders,
    majority: Math.floor(voters.length / 2) + 1,
    leaderMntr: leader?.probe.mntr.ok ? leader.probe.mntr.value : undefined,
  };
};

/** Observers the ensemble reports synced: Keeper's leader counts learners, ZooKeeper's nodes count observers. */
const syncedObserversOf = (members: readonly EnsembleMember[], census: Census): number | null => {
  const reported =
    members[0]!.probe.kind === 'keeper'
      ? [census.leaderMntr?.syncedNonVotingFollowers]
      : members.map((member) => (member.probe.mntr.ok ? member.probe.mntr.value.syncedObservers : undefined));
  return reported.some((count) => count !== undefined)
    ? reported.reduce<number>((sum, count) => sum + (count ?? 0), 0)
    : null;
};

/** True, false, or null when it cannot be told (too many voters unreadable to decide). */
const quorumOf = (census: Census): boolean | null => {
  const synced = census.leaderMntr?.syncedFollowers ?? null;
  if (census.voters.length === 0) return false;
  if (synced !== null && synced + 1 < census.majority) return false;
  if (census.up.length >= census.majority) return true;
  // A voting leader's own count confirms a majority when the unreadable voters could make it up; a leader
  // outside the expected voters (another ensemble's) confirms nothing about this one.
  const leader = census.leaders.length === 1 ? census.leaders[0]! : undefined;
  const reachable = census.up.length + census.unreadable.length;
  if (synced !== null && leader && census.voters.includes(leader) && reachable >= census.majority)
    return true;
  return census.up.length + census.unreadable.length >= census.majority ? null : false;
};

const list = (members: readonly EnsembleMember[]): string =>
  members.map((member) => `${member.node.name} ${stateOf(member.probe)}`).join(', ');

const leaderVerdict = (census: Census): [CheckStatus, string] => {
  const { leaders, voters, unreadable } = census;
  if (leaders.length === 1)
    return ['ok', `${leaders[0]!.node.name} (site ${leaders[0]!.site}) is the only leader`];
  if (leaders.length > 1) {
    return [
      'critical',
      `${leaders.length} leaders (${leaders.map((member) => `${member.node.name} at ${member.site}`).join(', ')}): ` +
        'split brain; stop the one outside the intended ensemble before writes diverge',
    ];
  }
  if (unreadable.length > 0) {
    return [
      'warn',
      `no leader confirmed among ${plural(voters.length, 'participant')}: the leader may be among the unreadable (${list(unreadable)})`,
    ];
  }
  return [
    'critical',
    `no leader among ${plural(voters.length, 'participant')} (${list(voters)}): ` +
      'election in progress or quorum lost; replicated tables are read-only',
  ];
};

/** The quorum verdict when the quorum is lost or cannot be told. */
const missingQuorumVerdict = (census: Census, quorum: false | null): [CheckStatus, string] => {
  const { up, down, unreadable, voters, majority } = census;
  const synced = census.leaderMntr?.syncedFollowers ?? null;
  if (quorum === null) {
    return [
      'warn',
      `cannot tell whether the quorum holds: ${up.length} of ${plural(voters.length, 'participant')} confirmed serving` +
        `${down.length > 0 ? `, ${list(down)}` : ''}; ${list(unreadable)}`,
    ];
  }
  const why =
    synced !== null && synced + 1 < majority && up.length >= majority
      ? `leader ${census.leaders[0]!.node.name} reports ${plural(synced, 'synced follower')}, needs ${majority - 1}`
      : `${down.length} of ${plural(voters.length, 'participant')} down (${list(down)})` +
        (unreadable.length > 0 ? `; ${list(unreadable)}` : '');
  return [
    'critical',
    `no quorum: ${why}; replicated tables are read-only until a majority of ${majority} is back`,
  ];
};

const quorumVerdict = (census: Census, quorum: boolean | null): [CheckStatus, string] => {
  const { up, down, unreadable, voters, majority } = census;
  const synced = census.leaderMntr?.syncedFollowers ?? null;
  if (voters.length === 0)
    return ['critical', 'no node is expected to vote (topology or live roles): there can be no quorum'];
  if (quorum !== true) return missingQuorumVerdict(census, quorum);
  const confirmed = `${up.length} of ${plural(voters.length, 'participant')} confirmed serving`;
  if (down.length > 0) {
    const spare = up.length + unreadable.length - majority;
    const gone = down.every((member) => DOWN_ROLES.has(member.probe.role)) ? 'down' : 'not voting';
    return [
      'warn',
      `quorum held, ${down.length === 1 ? 'one participant' : plural(down.length, 'participant')} ${gone} (${list(down)}): ` +
        (spare <= 0 ? 'one more loss stops writes' : `${spare + 1} more losses stop writes`) +
        (unreadable.length > 0 ? `; ${list(unreadable)}` : ''),
    ];
  }
  if (unreadable.length > 0) return ['warn', `quorum held: ${confirmed}; ${list(unreadable)}`];
  if (synced !== null && synced + 1 < up.length) {
    return [
      'warn',
      `quorum held, but leader ${census.leaders[0]!.node.name} reports ${plural(synced, 'synced follower')} ` +
        `of ${up.length - 1} up: a follower is lagging`,
    ];
  }
  return [
    'ok',
    `quorum held: ${confirmed}${synced === null ? '' : `, ${plural(synced, 'synced follower')}`}`,
  ];
};

const observersVerdict = (census: Census, syncedObservers: number | null): [CheckStatus, string] => {
  const observing = census.observers.filter((member) => member.probe.role === 'observer');
  const missing = census.observers.filter((member) => member.probe.role !== 'observer');
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`${list(missing)} instead of observing`);
  if (syncedObservers !== null && syncedObservers < observing.length) {
    problems.push(
      `the ensemble reports ${plural(syncedObservers, 'synced observer')} of ${observing.length} observing: ` +
        'the standby copy is lagging',
    );
  }
  if (problems.length > 0) return ['warn', `observers: ${problems.join('; ')}`];
  return [
    'ok',
    `${plural(observing.length, 'observer')} observing (${observing.map((m) => m.node.name).join(', ')})` +
      (syncedObservers === null ? '' : `, ${syncedObservers} synced`),
  ];
};

/**
 * Verdicts over the whole ensemble (both sites) against the roles expected now: exactly one leader, a
 * quorum of the voters (and, when the leader reports it, enough synced followers), and observers where
 * expected. `expectations` come from the live cluster roles (after a failover the standby's node votes and
 * the lost site's nodes are expected down); they default to the topology. A voter whose state cannot be read
 * is neither up nor down: the verdict says what is known instead of claiming a lost quorum.
 * Returns the `leader` and `quorum` checks, plus `observers` when observers are expected.
 */
export const assessEnsemble = (
  site: string,
  members: readonly EnsembleMember[],
  _thresholds?: NodeLimits,
  expectations: EnsembleExpectations = topologyExpectations(members),
): EnsembleCheck[] => {
  if (members.length === 0) return [];
  const census = takeCensus(members, expectations);
  const quorum = quorumOf(census);
  const syncedObservers = syncedObserversOf(members, census);
  const values: CoordinationEnsembleValues = {
    leaders: census.leaders.map((member) => member.node.name),
    participantsUp: census.up.length,
    participantsTotal: census.voters.length,
    participantsUnknown: census.unreadable.length,
    observersUp: census.observers.filter((member) => member.probe.role === 'observer').length,
    observersTotal: census.observers.length,
    syncedFollowers: census.leaderMntr?.syncedFollowers ?? null,
    syncedObservers,
    quorum,
  };
  const check = (subject: string, [status, summary]: [CheckStatus, string]): EnsembleCheck => ({
    kind: 'coordination-ensemble',
    site,
    subject,
    status,
    summary,
    values,
  });
  return [
    check('leader', leaderVerdict(census)),
    check('quorum', quorumVerdict(census, quorum)),
    ...(census.observers.length > 0 ? [check('observers', observersVerdict(census, syncedObservers))] : []),
  ];
};
