import {
  assessReplica,
  probeReplica,
  usersTableOf,
  type ClickHouseConnection,
  type ReplicaProbe,
  type ServerCounters,
} from '../clickhouse/index.js';
import { findSite, otherSites, type ReplicaEndpoint, type Topology } from '../config/index.js';
import { worstStatus, type Check } from '../health/index.js';
import { deployedRoles, type ClusterRoles } from '../roles/index.js';
import {
  assessHeartbeat,
  emptyHeartbeatMemory,
  HEARTBEAT_LAG_METHOD,
  readHeartbeats,
  writeHeartbeat,
  type HeartbeatMemory,
  type HeartbeatReading,
  type HeartbeatWrite,
} from '../heartbeat/index.js';
import {
  assessCoordinationNode,
  assessEnsemble,
  probeCoordinationNode,
  type NodeProbe,
  type SendWord,
} from '../keeper/index.js';
import { PROBE_FAILURES, type Clock, type ProbeResult } from '../probe/index.js';
import {
  lintCrossRegionCoordination,
  lintKeeperNode,
  lintTopology,
  lintUsers,
  securityChecks,
  type Finding,
} from '../security/index.js';
import { expectationsOf, liveRoleOf, monitoredCoordination, roleChecks } from './roles.js';
import type { HealthReport } from './types.js';

export interface CycleDeps {
  topology: Topology;
  /** The site this agent runs for: it writes that site's heartbeat and probes that site's replicas. */
  siteName: string;
  clock: Clock;
  /** A (cached) connection to a replica, its password already resolved. */
  connect(replica: ReplicaEndpoint): ClickHouseConnection;
  /** Defaults to real 4lw probes over TCP. */
  probeNode?: typeof probeCoordinationNode;
  /** The 4lw seam for probes and the security lint; defaults to real connections (TLS where configured). */
  sendWord?: SendWord;
  /**
   * Each replica's `system.events` counters of the previous cycle, by replica name; the cycle reads and
   * updates it, so counters are judged per cycle. Keep one map for the process (agent loop, warm Lambda).
   */
  serverCounters?: Map<string, ServerCounters>;
  /** What the previous cycle remembered about heartbeats (stall detection). */
  previousHeartbeat?: HeartbeatMemory;
  /** Overall budget; defaults to `timeouts.cycleMs`. A Lambda passes what its timeout leaves. */
  deadlineMs?: number;
  /** The live roles, read once per cycle by the caller; defaults to the deployed topology's. */
  roles?: ClusterRoles;
  /** Also read every node's zxid (one more 4lw connection per node): `chdr status` shows it. */
  zxid?: boolean;
}

/** Resolves to `fallback()` when `work` has not settled within `ms`; never rejects. */
const withinDeadline = <T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback());
      },
    );
  });

/** Tries the site's replicas in order until one succeeds: any healthy local replica will do. */
const firstSuccessful = async <T>(
  replicas: readonly ReplicaEndpoint[],
  attempt: (replica: ReplicaEndpoint) => Promise<ProbeResult<T>>,
): Promise<ProbeResult<T>> => {
  let last: ProbeResult<T> | undefined;
  for (const replica of replicas) {
    const result = await attempt(replica);
    if (result.ok) return result;
    last = { ...result, reason: `${replica.name}: ${result.reason}` };
  }
  return last!;
};

/**
 * One monitoring cycle for one site. Everything runs at once, each probe under its own timeout and the
 * whole under one deadline, so a dead or blackholed host costs one timeout, not the sum of them.
 * The coordination ensemble spans both sites, so every node is probed; node checks are reported by the
 * site that runs the node, ensemble checks by every site (the standby must say when the primary is gone).
 */
export const runCycle = async (deps: CycleDeps): Promise<HealthReport> => {
  const { topology, clock } = deps;
  const site = findSite(topology, deps.siteName);
  const startedAt = clock.now();
  const roles = deps.roles ?? deployedRoles(topology);
  const expectations = expectationsOf(roles);
  const reportOf = (checks: Check[], heartbeatMemory: HeartbeatMemory): HealthReport => ({
    cluster: topology.cluster,
    site: site.name,
    region: site.region,
    role: liveRoleOf(roles, site.name),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: clock.now() - startedAt,
    status: worstStatus(checks.map((check) => check.status)),
    checks,
    lagMethod: HEARTBEAT_LAG_METHOD,
    heartbeatMemory,
  });
  // A fenced site is expected down: nothing to probe, only the warning that names the way back.
  if (expectations.inactiveSites.has(site.name)) {
    return reportOf(roleChecks(site.name, roles, topology), deps.previousHeartbeat ?? emptyHeartbeatMemory());
  }
  const probeMs = topology.timeouts.probeMs;
  const deadlineMs = deps.deadlineMs ?? topology.timeouts.cycleMs;
  const probeNode = deps.probeNode ?? probeCoordinationNode;
  const missedDeadline = <T>(): ProbeResult<T> => ({
    ok: false,
    code: PROBE_FAILURES.timeout,
    reason: `did not finish within the cycle deadline of ${deadlineMs} ms`,
    elapsedMs: clock.now() - startedAt,
  });
  const bounded = <T>(work: Promise<ProbeResult<T>>) => withinDeadline(work, deadlineMs, missedDeadline<T>);

  const heartbeatOptions = { timeoutMs: probeMs, clock };
  const write = bounded<HeartbeatWrite>(
    firstSuccessful(site.replicas, (replica) =>
      writeHeartbeat(deps.connect(replica), site.name, topology.heartbeat, heartbeatOptions),
    ),
  );
  const read = bounded<HeartbeatReading>(
    firstSuccessful(site.replicas, (replica) =>
      readHeartbeats(deps.connect(replica), topology.heartbeat, heartbeatOptions),
    ),
  );

  const activeSites = topology.sites.filter((other) => !expectations.inactiveSites.has(other.name));
  const members = activeSites.flatMap((memberSite) =>
    monitoredCoordination(memberSite, expectations).map(async (node) => {
      const unreachable = (): NodeProbe => {
        const failed = missedDeadline<never>();
        return {
          node: node.name,
          kind: node.kind,
          endpoint: `${node.host}:${node.clientPort}`,
          role: 'unreachable',
          mntr: failed,
          elapsedMs: failed.elapsedMs,
        };
      };
      const probe = await withinDeadline(
        probeNode(node, { timeoutMs: probeMs, clock, send: deps.sendWord, zxid: deps.zxid }),
        deadlineMs,
        unreachable,
      );
      return { site: memberSite.name, node, probe };
    }),
  );

  const failedReplica = (): ReplicaProbe => ({ status: missedDeadline(), tables: missedDeadline() });
  const replicaProbes = site.replicas.map((replica) =>
    withinDeadline(
      probeReplica(deps.connect(replica), { timeoutMs: probeMs, clock }),
      deadlineMs,
      failedReplica,
    ),
  );
  const replicaChecks = site.replicas.map(async (replica, i) => {
    const probe = await replicaProbes[i]!;
    const previous = deps.serverCounters?.get(replica.name);
    if (probe.server?.ok) deps.serverCounters?.set(replica.name, probe.server.value.counters);
    return assessReplica(site.name, replica, probe, topology.thresholds, previous);
  });

  // Security lint: the config itself, Keeper allow lists of this site's nodes, users on one local replica
  // (once its probe has said whether it has system.users).
  const noFindings = (): Finding[] => [];
  const firstReplica = site.replicas[0]!;
  const usersFindings = replicaProbes[0]!.then((probe) =>
    lintUsers(firstReplica.name, deps.connect(firstReplica), probeMs, usersTableOf(probe)),
  );
  const remoteFindings = Promise.all([
    ...site.coordination.map((node) =>
      withinDeadline(lintKeeperNode(node, probeMs, deps.sendWord), deadlineMs, noFindings),
    ),
    withinDeadline(usersFindings, deadlineMs, noFindings),
  ]);

  const [writeResult, readResult, ensemble, replicaResults, lintResults] = await Promise.all([
    write,
    read,
    Promise.all(members),
    Promise.all(replicaChecks),
    remoteFindings,
  ]);
  const answering = ensemble
    .filter((member) => member.probe.role !== 'unreachable')
    .map((member) => member.node);
  const findings = [
    ...lintTopology(site),
    ...lintCrossRegionCoordination(topology, site, answering),
    ...lintResults.flat(),
  ];

  const heartbeat = assessHeartbeat({
    selfSite: site.name,
    sources: otherSites(topology, site)
      .map((other) => other.name)
      .filter((name) => !expectations.inactiveSites.has(name)),
    read: readResult,
    write: writeResult,
    previous: deps.previousHeartbeat,
    thresholds: topology.thresholds,
    clock,
  });
  const checks: Check[] = [
    ...heartbeat.checks,
    ...ensemble
      .filter((member) => member.site === site.name)
      .map((member) =>
        assessCoordinationNode(site.name, member.node, member.probe, topology.thresholds, expectations),
      ),
    ...assessEnsemble(site.name, ensemble, topology.thresholds, expectations),
    ...replicaResults.flat(),
    ...securityChecks(site.name, findings, topology.securityLint.acknowledge),
    ...roleChecks(site.name, roles, topology),
  ];
  return reportOf(checks, heartbeat.memory);
};
