import { describe, expect, it } from 'vitest';
import type { SiteVerdict } from '../../../lib/roles/index.js';
import { siteVerdictOf } from '../../../lib/agent/index.js';
import { expectationsOf, monitoredCoordination, roleChecks } from '../../../lib/cycle/index.js';
import { assessCoordinationNode, assessEnsemble, probeCoordinationNode } from '../../../lib/keeper/index.js';
import { deployedRoles, type ClusterRoles } from '../../../lib/roles/index.js';
import {
  DOWN,
  coordinationNode,
  fixedClock,
  keeperScripts,
  scriptedSend,
  type Script,
} from '../keeper/support.js';
import { check, referenceTopology, standbyReport } from '../metrics/reports.js';

const nodes = {
  k1: coordinationNode({ name: 'keeper-1', host: '10.0.1.21', serverId: 1 }),
  k2: coordinationNode({ name: 'keeper-2', host: '10.0.1.22', serverId: 2 }),
  k3: coordinationNode({ name: 'keeper-3', host: '10.0.1.23', serverId: 3 }),
  k4: coordinationNode({ name: 'keeper-4', host: '10.0.2.15', serverId: 4, role: 'observer' }),
};

const member = async (site: string, node: (typeof nodes)[keyof typeof nodes], script: Script) => ({
  site,
  node,
  probe: await probeCoordinationNode(node, {
    timeoutMs: 1_000,
    clock: fixedClock(),
    send: scriptedSend(script),
  }),
});

/** After a forced failover: the primary site is fenced (its nodes down), keeper-4 alone votes and leads. */
const afterFailover = async () => [
  await member('primary', nodes.k1, DOWN),
  await member('primary', nodes.k2, DOWN),
  await member('primary', nodes.k3, DOWN),
  await member('standby', nodes.k4, keeperScripts.leader),
];

const failedOverRoles = (): ClusterRoles => ({
  cluster: 'analytics',
  primary: 'standby',
  since: '2025-11-23T03:00:00.000Z',
  runId: 'r-42',
  operation: 'failover',
  voters: ['keeper-4'],
  fenced: [
    {
      site: 'primary',
      nodes: ['keeper-1', 'keeper-2', 'keeper-3'],
      method: 'instance-stopped',
      runId: 'r-42',
      at: '2025-11-23T03:00:00.000Z',
      by: 'alice',
    },
  ],
});

const thresholds = {
  outstandingRequestsWarn: 10,
  avgLatencyWarnMs: 500,
  maxLatencyWarnMs: 2_000,
  openFileDescriptorsWarnRatio: 0.8,
};

describe('judging against the live roles', () => {
  it('after a failover the deployed layout says no quorum, the live roles say all is well', async () => {
    const members = await afterFailover();

    const deployed = assessEnsemble('standby', members, thresholds);
    const live = assessEnsemble('standby', members, thresholds, expectationsOf(failedOverRoles()));

    expect(deployed.some((c) => c.status === 'critical')).toBe(true);
    expect(live.filter((c) => c.status === 'critical')).toEqual([]);
    expect(live.find((c) => c.subject === 'quorum')?.summary).toMatch(/quorum held: 1 of 1 participant/);
  });

  it('a node that votes by the live roles is not told it should observe', async () => {
    const [, , , k4] = await afterFailover();

    const deployed = assessCoordinationNode('standby', k4!.node, k4!.probe, thresholds);
    const live = assessCoordinationNode(
      'standby',
      k4!.node,
      k4!.probe,
      thresholds,
      expectationsOf(failedOverRoles()),
    );

    expect(deployed.summary).toMatch(/an observer is expected/);
    expect(live.status).toBe('ok');
  });

  it('names the new primary and the fenced site with the step that brings it back, as a warning', () => {
    const checks = roleChecks('standby', failedOverRoles(), referenceTopology());

    expect(checks.map((c) => [c.subject, c.status])).toEqual([
      ['primary', 'ok'],
      ['primary', 'warn'],
    ]);
    expect(checks[0]!.summary).toBe('primary: standby since run r-42 (failover, 2025-11-23T03:00:00.000Z)');
    expect(checks[1]!.summary).toContain('chdr recover --from primary --to standby');
  });

  it('says the deployed roles hold when no operation recorded others', () => {
    const [primary] = roleChecks('standby', deployedRoles(referenceTopology()), referenceTopology());

    expect(primary!.summary).toBe('primary: primary (as deployed)');
  });
});

describe('site verdict', () => {
  it('keeps the lag measured before the source’s heartbeat stopped advancing', () => {
    const at = (s: number) => new Date(Date.UTC(2025, 10, 23, 3, 0, s)).toISOString();
    const report = (lagSeconds: number, unchangedCycles: number) => {
      const base = standbyReport();
      return {
        ...base,
        checks: [
          ...base.checks.filter((c) => c.kind !== 'heartbeat-lag'),
          check('heartbeat-lag', 'primary', 'ok', { lagSeconds, unchangedCycles }),
        ],
      };
    };
    const paging = { open: [], pending: [] };

    const first = siteVerdictOf(report(4, 0), paging, undefined, at(0));
    const stalled = siteVerdictOf(report(95, 3), paging, first, at(90));

    expect(first).toMatchObject({ writable: true, heartbeatWrittenAt: at(0), lagSeconds: { primary: 4 } });
    expect(stalled.lagSeconds).toEqual({ primary: 4 });
  });

  it('keeps the time of the last good write when the heartbeat write fails', () => {
    const before: SiteVerdict = {
      cluster: 'analytics',
      site: 'standby',
      at: '2025-11-23T03:00:00.000Z',
      writable: true,
      heartbeatWrittenAt: '2025-11-23T03:00:00.000Z',
      lagSeconds: {},
    };
    const verdict = siteVerdictOf(
      standbyReport({ heartbeatWriteOk: false }),
      { open: ['coordination'], pending: [] },
      before,
      '2025-11-23T03:01:00.000Z',
    );

    expect(verdict).toMatchObject({
      writable: false,
      heartbeatWrittenAt: '2025-11-23T03:00:00.000Z',
      openIncidents: ['coordination'],
    });
  });
});

describe('spare coordination nodes in the cycle', () => {
  const spare = coordinationNode({ name: 'keeper-5', host: '10.0.2.16', serverId: 5 });
  const standby = { ...referenceTopology().sites[1]!, coordination: [nodes.k4], spareCoordination: [spare] };

  it('probes a spare only once the live roles say it votes (a failover promoted it)', () => {
    const deployed = expectationsOf(deployedRoles(referenceTopology()));
    const promoted = expectationsOf({ ...failedOverRoles(), voters: ['keeper-4', 'keeper-5'] });

    expect(monitoredCoordination(standby, deployed).map((n) => n.name)).toEqual(['keeper-4']);
    expect(monitoredCoordination(standby, promoted).map((n) => n.name)).toEqual(['keeper-4', 'keeper-5']);
  });
});
