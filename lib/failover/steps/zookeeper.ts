import type { CoordinationNode, Site } from '../../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { renderCommand, runOnNode } from '../host.js';
import { ensembleServers, ensembleWithObservers } from '../membership.js';
import { coordinationStates, describeStates, waitUntil, type CoordinationState } from '../observe.js';
import type { FailoverStep, StepContext } from '../types.js';
import {
  renderZooCfg,
  zooCfgHasMembership,
  zooCfgHasVoters,
  zooKeeperServerLine,
  type ZooKeeperServer,
} from '../zookeeper-config.js';
import {
  hostAction,
  readCoordinationConfig,
  restoreFiles,
  startCoordination,
  stopCoordination,
  writeAction,
  writeCoordinationConfig,
  coordinationPath,
} from './common.js';

/** Every node of `site` serves as leader or follower, with exactly one leader. */
export const ensembleServing = (site: Site, states: readonly CoordinationState[]): string | null => {
  // A one-node Keeper (and a 26.3 leader seeing no follower) reports `standalone`.
  const leaders = states.filter(
    (s) => s.mode === 'leader' || (s.mode === 'standalone' && site.coordination.length === 1),
  );
  const followers = states.filter((s) => s.mode === 'follower');
  if (leaders.length !== 1) return `${leaders.length} leaders at ${site.name} (${describeStates(states)})`;
  if (leaders.length + followers.length !== site.coordination.length)
    return `not every node votes (${describeStates(states)})`;
  const synced = leaders[0]!.syncedFollowers;
  if (synced !== undefined && synced < followers.length)
    return `leader has ${synced} synced followers of ${followers.length}`;
  return null;
};

const filesHave = async (
  ctx: StepContext,
  nodes: readonly CoordinationNode[],
  servers: ZooKeeperServer[],
  peerType: 'participant' | 'observer',
) => {
  for (const node of nodes) {
    const text = await readCoordinationConfig(ctx, node);
    if (text === null || !zooCfgHasMembership(text, servers, peerType)) return false;
  }
  return true;
};

/**
 * Failover, ZooKeeper (Altinity DR guide): stop the target site's ZooKeeper servers, rewrite their
 * config so that they are the voting members of a new ensemble (observers become participants, extra
 * nodes listed at the site are started too), restart them, and wait until one leads and the rest follow.
 * The new leader's epoch is higher than any the observers saw, so the old primary's history cannot be
 * mistaken for the new one.
 */
export const zooKeeperNewEnsembleStep = (site: Site): FailoverStep => {
  const servers = () => ensembleServers(site);
  const note = (ctx: StepContext) => `ensemble of ${site.name} (run ${ctx.runId})`;
  return {
    id: `coordination-${site.name}`,
    title: `Make ${site.name}'s ZooKeeper nodes (${site.coordination.map((n) => n.name).join(', ')}) a new ensemble`,
    kind: 'change',
    async plan(ctx) {
      const lines = servers().map(zooKeeperServerLine).join(' ');
      return [
        ...site.coordination.flatMap((node) => [
          hostAction(node.name, renderCommand(ctx, 'stopCoordination', node.kind, node)),
        ]),
        ...site.coordination.flatMap((node) =>
          writeAction(ctx, node, 'coordination', `peerType=participant standaloneEnabled=false ${lines}`),
        ),
        ...site.coordination.map((node) =>
          hostAction(node.name, renderCommand(ctx, 'startCoordination', node.kind, node)),
        ),
        ...site.coordination.map((node) => ({
          target: node.name,
          via: '4lw' as const,
          text: 'srvr (until one leader, others followers)',
        })),
        ...site.coordination.slice(0, 1).map((node) => ({
          target: node.name,
          via: '4lw' as const,
          text: 'mntr (zk_synced_followers on the leader)',
        })),
      ];
    },
    async isDone(ctx) {
      const states = await coordinationStates(ctx, site.coordination);
      if (ensembleServing(site, states) !== null) return false;
      for (const node of site.coordination) {
        const text = await readCoordinationConfig(ctx, node);
        if (text === null || !zooCfgHasVoters(text, servers())) return false;
      }
      return true;
    },
    async run(ctx) {
      const desired = servers();
      const files = (ctx.undo.files ??= []);
      await Promise.all(site.coordination.map((node) => stopCoordination(ctx, node)));
      for (const node of site.coordination) {
        const current = await readCoordinationConfig(ctx, node);
        if (current === null) {
          throw new FailoverError(
            FAILOVER_ERROR_CODES.precondition,
            `${coordinationPath(ctx, node)} does not exist on ${node.name}`,
          );
        }
        if (zooCfgHasVoters(current, desired)) continue;
        files.push({
          node: node.name,
          kind: 'coordination',
          path: coordinationPath(ctx, node),
          before: current,
        });
        await writeCoordinationConfig(
          ctx,
          node,
          renderZooCfg(current, { servers: desired, peerType: 'participant', note: note(ctx) }),
        );
      }
      await Promise.all(site.coordination.map((node) => startCoordination(ctx, node)));
      return { notes: [`ensemble: ${desired.map(zooKeeperServerLine).join(' ')}`] };
    },
    async verify(ctx) {
      let last: CoordinationState[] = [];
      await waitUntil(ctx, `a leader and quorum at ${site.name}`, async () => {
        last = await coordinationStates(ctx, site.coordination);
        return ensembleServing(site, last);
      });
      ctx.note(`serving: ${describeStates(last)}`);
    },
    async undo(ctx, record) {
      await Promise.all(site.coordination.map((node) => stopCoordination(ctx, node)));
      await restoreFiles(ctx, record, site.coordination);
      await Promise.all(site.coordination.map((node) => startCoordination(ctx, node)));
    },
  };
};

/**
 * Recovery, ZooKeeper: the recovered site's servers rejoin as observers of the serving ensemble. Their old
 * data is moved aside first: it may hold transactions of the old epoch that the new ensemble never saw,
 * and a fresh observer takes a full snapshot from the leader instead of syncing a diverged history.
 */
export const zooKeeperObserversStep = (follower: Site, primary: Site): FailoverStep => {
  const servers = () => ensembleWithObservers(primary, follower);
  return {
    id: `observers-${follower.name}`,
    title: `Rejoin ${follower.name}'s ZooKeeper nodes as observers of ${primary.name}'s ensemble`,
    kind: 'change',
    async plan(ctx) {
      const lines = servers().map(zooKeeperServerLine).join(' ');
      return follower.coordination.flatMap((node) => [
        hostAction(node.name, renderCommand(ctx, 'stopCoordination', node.kind, node)),
        ...writeAction(ctx, node, 'coordination', `peerType=observer ${lines}`),
        hostAction(
          node.name,
          renderCommand(ctx, 'resetCoordinationData', node.kind, node, { path: coordinationPath(ctx, node) }),
        ),
        hostAction(node.name, renderCommand(ctx, 'startCoordination', node.kind, node)),
        { target: node.name, via: '4lw' as const, text: 'srvr (until Mode: observer in the leader epoch)' },
      ]);
    },
    async isDone(ctx) {
      return (
        (await observersReason(ctx, follower, primary)) === null &&
        (await filesHave(ctx, follower.coordination, servers(), 'observer'))
      );
    },
    async run(ctx) {
      const desired = servers();
      const files = (ctx.undo.files ??= []);
      const alreadyObserving = new Set(
        (await observerStates(ctx, follower, primary)).filter((s) => s.ok).map((s) => s.node),
      );
      for (const node of follower.coordination) {
        const file = await readCoordinationConfig(ctx, node);
        if (
          alreadyObserving.has(node.name) &&
          file !== null &&
          zooCfgHasMembership(file, desired, 'observer')
        ) {
          ctx.note(`${node.name} already observes ${primary.name}`);
          continue;
        }
        await stopCoordination(ctx, node);
        const current = await readCoordinationConfig(ctx, node);
        if (current === null) {
          throw new FailoverError(
            FAILOVER_ERROR_CODES.precondition,
            `${coordinationPath(ctx, node)} does not exist on ${node.name}`,
          );
        }
        if (!zooCfgHasMembership(current, desired, 'observer')) {
          files.push({
            node: node.name,
            kind: 'coordination',
            path: coordinationPath(ctx, node),
            before: current,
          });
          await writeCoordinationConfig(
            ctx,
            node,
            renderZooCfg(current, {
              servers: desired,
              peerType: 'observer',
              note: `observer of ${primary.name} (run ${ctx.runId})`,
            }),
          );
        }
        await runOnNode(
          ctx,
          node,
          renderCommand(ctx, 'resetCoordinationData', node.kind, node, { path: coordinationPath(ctx, node) }),
          `moving ${node.name}'s old data aside`,
        );
        await startCoordination(ctx, node);
      }
      return { notes: [`observers: ${follower.coordination.map((n) => n.name).join(', ')}`] };
    },
    async verify(ctx) {
      await waitUntil(ctx, `${follower.name}'s nodes observing ${primary.name}`, () =>
        observersReason(ctx, follower, primary),
      );
    },
  };
};

/** Each node of `follower`: does it observe the leader of `primary` in the leader's epoch? */
const observerStates = async (
  ctx: StepContext,
  follower: Site,
  primary: Site,
): Promise<{ node: string; ok: boolean; state: CoordinationState; leader?: CoordinationState }[]> => {
  const [leaders, observers] = await Promise.all([
    coordinationStates(ctx, primary.coordination),
    coordinationStates(ctx, follower.coordination),
  ]);
  const leader = leaders.find((s) => s.mode === 'leader' && s.zxid !== null);
  return observers.map((state) => ({
    node: state.node,
    state,
    ...(leader ? { leader } : {}),
    ok:
      leader !== undefined &&
      state.mode === 'observer' &&
      state.zxid !== null &&
      state.zxid >> 32n === leader.zxid! >> 32n,
  }));
};

/** Null when every node of `follower` observes the leader of `primary` in its current epoch. */
export const observersReason = async (
  ctx: StepContext,
  follower: Site,
  primary: Site,
): Promise<string | null> => {
  const states = await observerStates(ctx, follower, primary);
  const leader = states[0]?.leader;
  if (!leader) return `no leader at ${primary.name}`;
  const wrong = states.filter((s) => !s.ok).map((s) => s.state);
  return wrong.length === 0
    ? null
    : `not observing epoch ${leader.zxid! >> 32n} of ${leader.node}: ${describeStates(wrong)}`;
};

/**
 * Recovery: the serving ensemble's config files list the recovered site's nodes as observers, so that
 * the next restart of the ensemble keeps them. The running servers are not restarted (an observer
 * unknown to the running leader is accepted), so writes are not interrupted.
 */
export const zooKeeperListObserversStep = (primary: Site, follower: Site): FailoverStep => {
  const servers = () => ensembleWithObservers(primary, follower);
  return {
    id: `ensemble-lists-${follower.name}`,
    title: `List ${follower.name}'s observers in ${primary.name}'s ZooKeeper config (no restart)`,
    kind: 'change',
    async plan(ctx) {
      const lines = servers().map(zooKeeperServerLine).join(' ');
      return primary.coordination.flatMap((node) =>
        writeAction(ctx, node, 'coordination', `peerType=participant ${lines}`),
      );
    },
    isDone: (ctx) => filesHave(ctx, primary.coordination, servers(), 'participant'),
    async run(ctx) {
      const files = (ctx.undo.files ??= []);
      for (const node of primary.coordination) {
        const current = await readCoordinationConfig(ctx, node);
        if (current === null || zooCfgHasMembership(current, servers(), 'participant')) continue;
        files.push({
          node: node.name,
          kind: 'coordination',
          path: coordinationPath(ctx, node),
          before: current,
        });
        await writeCoordinationConfig(
          ctx,
          node,
          renderZooCfg(current, {
            servers: servers(),
            peerType: 'participant',
            note: `ensemble of ${primary.name} with observers (run ${ctx.runId})`,
          }),
        );
      }
      return {};
    },
    async verify(ctx) {
      if (!(await filesHave(ctx, primary.coordination, servers(), 'participant'))) {
        throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, 'config files do not list the observers');
      }
    },
    async undo(ctx, record) {
      await restoreFiles(ctx, record, primary.coordination);
    },
  };
};
