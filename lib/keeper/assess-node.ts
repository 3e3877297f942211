import type { CoordinationNode, Thresholds } from '../config/index.js';
import type {
  Check,
  CheckOf,
  CheckStatus,
  CoordinationNodeValues,
  ExpectedNodeRole,
} from '../health/index.js';
import { PROBE_FAILURES } from '../probe/index.js';
import { allowListName, firstFailure, serverName, stateOf, unreadableHint } from './describe.js';
import type { EnsembleExpectations, NodeProbe } from './types.js';

export type NodeLimits = Pick<
  Thresholds,
  'outstandingRequestsWarn' | 'avgLatencyWarnMs' | 'maxLatencyWarnMs' | 'openFileDescriptorsWarnRatio'
>;

/** The role the node should have now: from the live roles when given, else from the topology. */
export const expectedRoleOf = (
  node: CoordinationNode,
  expectations: EnsembleExpectations | undefined,
): ExpectedNodeRole =>
  expectations === undefined ? node.role : expectations.voters.has(node.name) ? 'participant' : 'observer';

const figuresOf = (probe: NodeProbe) => {
  const mntr = probe.mntr.ok ? probe.mntr.value : undefined;
  const srvr = probe.srvr?.ok ? probe.srvr.value : undefined;
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

type Figures = ReturnType<typeof figuresOf>;

/** Why the node's role does not match what is expected now, or undefined when it does. */
const roleMismatch = (expected: ExpectedNodeRole, probe: NodeProbe): string | undefined => {
  const { role } = probe;
  if (expected === 'participant') {
    return role === 'observer'
      ? 'is an observer but a voting participant is expected: the quorum is one vote short'
      : undefined;
  }
  if (role === 'leader' || role === 'follower') {
    return `votes as ${role} but an observer is expected: it counts toward the quorum`;
  }
  if (role === 'standalone') {
    return probe.kind === 'keeper'
      ? `reports standalone and isro did not confirm a learner (${probe.isro === undefined ? 'not asked' : probe.isro.ok ? probe.isro.value : probe.isro.code}): expected an observer`
      : 'runs standalone, outside the ensemble: expected an observer';
  }
  return undefined;
};

/** Load figures above their thresholds, as short phrases. */
const loadProblems = (figures: Figures, limits: NodeLimits): string[] => {
  const problems: string[] = [];
  if (figures.outstanding !== null && figures.outstanding > limits.outstandingRequestsWarn) {
    problems.push(
      `${figures.outstanding} outstanding requests (warn above ${limits.outstandingRequestsWarn})`,
    );
  }
  if (figures.avgLatencyMs !== null && figures.avgLatencyMs > limits.avgLatencyWarnMs) {
    problems.push(`average latency ${figures.avgLatencyMs} ms (warn above ${limits.avgLatencyWarnMs} ms)`);
  }
  if (figures.maxLatencyMs !== null && figures.maxLatencyMs > limits.maxLatencyWarnMs) {
    problems.push(
      `max latency ${figures.maxLatencyMs} ms since its counters were reset (warn above ${limits.maxLatencyWarnMs} ms)`,
    );
  }
  const { openFileDescriptors: open, maxFileDescriptors: max } = figures;
  if (open !== null && max !== null && max > 0 && open / max >= limits.openFileDescriptorsWarnRatio) {
    problems.push(
      `${open} of ${max} file descriptors open (warn at ${Math.round(limits.openFileDescriptorsWarnRatio * 100)} %)`,
    );
  }
  return problems;
};

/** A node of a fenced or lost site: expected down; it only matters when it still serves. */
const inactiveVerdict = (site: string, where: string, probe: NodeProbe): [CheckStatus, string] =>
  probe.role === 'unreachable' || probe.role === 'not-serving'
    ? ['ok', `${where} is ${stateOf(probe)}, as expected: site ${site} is fenced or lost`]
    : [
        'warn',
        `${where} answers as ${probe.role} although site ${site} is fenced or lost: stop it so it cannot form a second ensemble`,
      ];

/**
 * One node's verdict against the role expected now (live roles, else the topology). Warn when it cannot be
 * reached or does not serve (the ensemble verdict turns that critical when the quorum is lost), when its
 * role differs, when a load figure exceeds its threshold, or when its state cannot be read ("can't tell",
 * never counted as down). A node of an inactive (fenced or lost) site is expected down.
 */
export const assessCoordinationNode = (
  site: string,
  node: CoordinationNode,
  probe: NodeProbe,
  thresholds: NodeLimits,
  expectations?: EnsembleExpectations,
): Check => {
  const figures = figuresOf(probe);
  const expectedRole = expectedRoleOf(node, expectations);
  const inactive = expectations?.inactiveSites.has(site) ?? false;
  const where = `${node.name} (${probe.endpoint})`;
  const values: CoordinationNodeValues = {
    role: probe.role,
    expectedRole,
    inactive,
    ...figures,
    elapsedMs: probe.elapsedMs,
  };
  const check = (status: CheckStatus, summary: string): CheckOf<'coordination-node'> => ({
    kind: 'coordination-node',
    site,
    subject: node.name,
    status,
    summary,
    values,
  });

  if (inactive) return check(...inactiveVerdict(site, where, probe));
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
    const why = firstFailure(probe)?.code === undefined ? '' : ` (${unreadableHint(probe)})`;
    problems.push(
      `answers but its state cannot be read${why}; not counted as down. chdr needs ruok, mntr, srvr and isro in ${allowListName(probe)}`,
    );
  }
  if (probe.role !== 'unknown' && !probe.mntr.ok && probe.mntr.code === PROBE_FAILURES.notAllowed) {
    problems.push(
      `refuses mntr: allow it in ${allowListName(probe)} (latency, file descriptors and synced followers are not measured)`,
    );
  }
  const mismatch = roleMismatch(expectedRole, probe);
  if (mismatch) problems.push(mismatch);
  problems.push(...loadProblems(figures, thresholds));
  if (problems.length > 0) return check('warn', `${where} ${problems.join('; ')}`);

  return check(
    'ok',
    `${where} is ${probe.role} as expected (${expectedRole}): ${figures.outstanding ?? '?'} outstanding, ` +
      `avg latency ${figures.avgLatencyMs ?? '?'} ms${figures.zxid === null ? '' : `, zxid ${figures.zxid}`}`,
  );
};
