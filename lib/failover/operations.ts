import { findSite, type Site, type Topology } from '../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import { coordinationKind } from './membership.js';
import { catchUpStep, repointReplicasStep, stopReplicasStep } from './steps/clickhouse.js';
import {
  fenceSourceCoordinationStep,
  preflightStep,
  recoverPreflightStep,
  targetCaughtUpStep,
  verifyWritableStep,
} from './steps/checks.js';
import { fenceSourceStep, liftFenceStep } from './steps/fence.js';
import { keepDivergentStep, pendingPartsArrived, reinsertDivergentStep } from './steps/divergence.js';
import { hooksStep } from './steps/hooks.js';
import { keeperLearnersStep, keeperRecoveryStep } from './steps/keeper.js';
import { route53Step } from './steps/route53.js';
import {
  zooKeeperListObserversStep,
  zooKeeperNewEnsembleStep,
  zooKeeperObserversStep,
} from './steps/zookeeper.js';
import type { FailoverStep, OperationRequest, StepContext } from './types.js';

/** Resolves and checks the two sites of a request. */
export const sitesOf = (
  topology: Topology,
  request: Pick<OperationRequest, 'from' | 'to'>,
): { from: Site; to: Site } => {
  const from = findSite(topology, request.from);
  const to = findSite(topology, request.to);
  if (from.name === to.name)
    throw new FailoverError(
      FAILOVER_ERROR_CODES.badRequest,
      `--from and --to are the same site (${from.name})`,
    );
  return { from, to };
};

const newEnsemble = (topology: Topology, site: Site): FailoverStep[] => {
  if (site.coordination.length === 0) return [];
  return [
    coordinationKind(topology.sites) === 'keeper' ? keeperRecoveryStep(site) : zooKeeperNewEnsembleStep(site),
  ];
};

/** The recovered site's coordination rejoins as observers (ZooKeeper) or learners (Keeper). */
const rejoinCoordination = (topology: Topology, follower: Site, primary: Site): FailoverStep[] => {
  if (follower.coordination.length === 0) return [];
  return coordinationKind(topology.sites) === 'keeper'
    ? [keeperLearnersStep(follower, primary)]
    : [zooKeeperObserversStep(follower, primary), zooKeeperListObserversStep(primary, follower)];
};

const promote = (topology: Topology, to: Site): FailoverStep[] => [
  ...newEnsemble(topology, to),
  {
    ...repointReplicasStep(to, to, {
      id: `repoint-${to.name}`,
      title: `Point ${to.name}'s replicas at ${to.name}'s ensemble and restart them`,
      restoreUnexpectedParts: true,
    }),
    // Replicas pointed at the new ensemble write to it: from here on the run only goes forward.
    pointOfNoReturn: true,
  },
  ...(topology.failover.route53 ? [route53Step(to)] : []),
  verifyWritableStep(to),
];

const recoverSteps = (topology: Topology, follower: Site, primary: Site): FailoverStep[] => [
  ...rejoinCoordination(topology, follower, primary),
  repointReplicasStep(follower, primary, {
    id: `rejoin-${follower.name}`,
    title: `Point ${follower.name}'s replicas at ${primary.name}'s ensemble and (re)start them`,
    restoreUnlistedParts: true,
  }),
  catchUpStep(follower, primary),
];

/**
 * The steps of each operation, in order (Altinity DR guide: Failover, Recovering the Primary, Failback):
 * - failover (forced; `from` is lost): preflight, pre-hooks, fence `from` (STONITH, before anything at
 *   `to` takes writes), new ensemble at `to`, repoint `to`'s replicas (the point of no return: from then on
 *   the new ensemble takes writes), write endpoint, verify, post-hooks.
 * - recover (`from` is the lost site coming back, `to` the serving primary): `from`'s boot guard lifted,
 *   its coordination rejoins as observers, its replicas point at `to`'s ensemble and catch up.
 * - failback / switchover (planned; `from` still serves): preflight, pre-hooks, `to` caught up, stop
 *   `from`'s replicas (writes refused, not lost), observers reach the last transaction and `from`'s
 *   coordination stops, then the failover steps towards `to`, then `from` recovers as the standby and
 *   `to`'s replicas fetch whatever was written at `from` last.
 */
export const buildSteps = (topology: Topology, request: OperationRequest): FailoverStep[] => {
  const { from, to } = sitesOf(topology, request);
  const pre =
    topology.failover.hooks.pre.length > 0 ? [hooksStep('pre', topology.failover.hooks.pre, to)] : [];
  const post =
    topology.failover.hooks.post.length > 0 ? [hooksStep('post', topology.failover.hooks.post, to)] : [];
  switch (request.kind) {
    case 'failover':
      return [
        // Split brain and lag can change while an interrupted run waits: re-checked on resume.
        { ...preflightStep(from, to, 'forced'), recheckOnResume: true },
        ...pre,
        fenceSourceStep(from, to),
        ...promote(topology, to),
        ...post,
      ];
    case 'recover':
      return [
        recoverPreflightStep(from, to),
        // The boot guard goes first: the comparison below starts the old replicas (standalone).
        liftFenceStep(from, to),
        // The old replicas stop and are compared first: before their coordination nodes, before they rejoin.
        keepDivergentStep(from, to),
        ...recoverSteps(topology, from, to),
        {
          ...catchUpStep(to, from),
          id: `catch-up-${to.name}`,
          title: `Wait until ${to.name}'s replicas have fetched what only ${from.name} had and the new ensemble knows`,
          async verify(ctx: StepContext) {
            await catchUpStep(to, from).verify(ctx);
            await pendingPartsArrived(ctx, to);
          },
        },
        ...(request.reinsertDivergent ? [reinsertDivergentStep(from, to)] : []),
      ];
    case 'failback':
    case 'switchover': {
      const promoted = promote(topology, to);
      const targetServes = async (ctx: StepContext) => {
        for (const step of promoted.filter((s) => s.kind === 'change' && s.id !== 'write-endpoint')) {
          if (!(await step.isDone!(ctx).catch(() => false))) return false;
        }
        return true;
      };
      return [
        preflightStep(from, to, 'graceful'),
        ...pre,
        targetCaughtUpStep(to),
        stopReplicasStep(from, targetServes),
        ...(from.coordination.length > 0 ? [fenceSourceCoordinationStep(from, to, targetServes)] : []),
        ...promoted,
        ...recoverSteps(topology, from, to),
        {
          ...catchUpStep(to, from),
          id: `catch-up-${to.name}`,
          title: `Wait until ${to.name}'s replicas have fetched what ${from.name} wrote last`,
        },
        ...post,
      ];
    }
  }
};

/** The exact string a Lambda event must carry to execute, e.g. `FAILOVER primary->standby`. */
export const confirmationFor = (request: Pick<OperationRequest, 'kind' | 'from' | 'to'>): string =>
  `${request.kind.toUpperCase()} ${request.from}->${request.to}`;
