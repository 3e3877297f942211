import type { Site } from '../../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { ensembleNodes, ensembleServers, ensembleWithObservers } from '../membership.js';
import { coordinationStates, describeStates, waitUntil, type CoordinationState } from '../observe.js';
import type { FailoverStep, StepContext } from '../types.js';
import {
  parseZooCfg,
  renderZooCfg,
  zooCfgHasMembership,
  zooCfgHasVoters,
  zooCfgUnsupported,
  zooKeeperServerLine,
  type ZooKeeperServer,
} from '../zookeeper-config.js';
import { readNodeFile } from '../host.js';
import {
  commandAction,
  coordinationPath,
  readCoordinationConfig,
  restoreFiles,
  startCoordination,
  stopCoordination,
  writeAction,
} from './common.js';
import {
  backUpData,
  configsHave,
  ensembleFormed,
  ensembleServing,
  fewVotersWarning,
  rejoinActions,
  rejoinNode,
  inTurn,
  restoreAndRestart,
  rewriteConfig,
  together,
  type ConfigChange,
} from './coordination.js';

/** zoo.cfg with exactly `servers` as members and this node as `peerType`. */
const membership = (
  servers: ZooKeeperServer[],
  peerType: 'participant' | 'observer',
  note: string,
): ConfigChange => ({
  has: (text) => zooCfgHasMembership(text, servers, peerType),
  render: (text) => renderZooCfg(text, { servers, peerType, note }),
  unsupported: zooCfgUnsupported,
});

/** Refuses unless each node's `myid` (in its dataDir) is the topology's serverId for it, spares too. */
const checkMyIds = async (ctx: StepContext, site: Site): Promise<void> => {
  const problems: string[] = [];
  for (const node of ensembleNodes(site)) {
    const text = await readCoordinationConfig(ctx, node);
    const dataDir = text === null ? undefined : parseZooCfg(text).settings.dataDir;
    if (!dataDir) {
      problems.push(`${node.name}: no dataDir in ${coordinationPath(ctx, node)}`);
      continue;
    }
    const path = `${dataDir.replace(/\/+$/, '')}/myid`;
    const myid = await readNodeFile(ctx, node, 'readCoordinationConfig', 'zookeeper', path);
    if (myid === null) problems.push(`${node.name}: ${path} does not exist`);
    else if (Number(myid.trim()) !== node.serverId)
      problems.push(`${node.name}: ${path} says ${myid.trim()}, the topology serverId ${node.serverId}`);
  }
  if (problems.length > 0) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `refused (nothing changed): myid and serverId disagree, so the rewritten server.N lines would name the wrong nodes: ${problems.join('; ')}; fix the topology or the node`,
    );
  }
};

/** The node(s) with the highest zxid seen before the nodes stopped: the new leader must be one of them. */
const zxidsKey = (site: Site) => `zxidsBefore:${site.name}`;

const leaderIsMostRecent = (
  ctx: StepContext,
  site: Site,
  states: readonly CoordinationState[],
): string | null => {
  const before = ctx.facts[zxidsKey(site)] as Record<string, string> | undefined;
  const leader = states.find((s) => s.mode === 'leader' || s.mode === 'standalone');
  if (!leader) return null;
  // Known whether or not a node answered srvr before (an observer whose leader is gone does not).
  if (site.spareCoordination.some((node) => node.name === leader.node))
    return `${leader.node} leads but is a spare that held none of the cluster's transactions: the promoted nodes (${site.coordination.map((n) => n.name).join(', ')}) may have been truncated to its state`;
  if (!before || Object.keys(before).length === 0) return null;
  const newest = Object.values(before).reduce((max, z) => (BigInt(z) > max ? BigInt(z) : max), 0n);
  const mine = before[leader.node];
  return mine !== undefined && BigInt(mine) === newest
    ? null
    : `${leader.node} leads but had zxid ${mine ?? 'unknown'} before the failover, another node 0x${newest.toString(16)}: transactions only that node had may be lost`;
};

/**
 * Failover, ZooKeeper (Altinity DR guide): stop the target site's ZooKeeper servers, rewrite their
 * config so that they are the voting members of a new ensemble (observers become participants, the site's
 * spare nodes are started too, to make three voters), restart them, and wait until one leads and the rest follow.
 * The new leader's epoch is higher than any the observers saw, so the old primary's history cannot be
 * mistaken for the new one.
 */
export const zooKeeperNewEnsembleStep = (site: Site): FailoverStep => {
  const servers = () => ensembleServers(site);
  const nodes = ensembleNodes(site);
  // Observers listed beside the voters (after a recovery) do not count as a difference.
  const voters = (desired: ZooKeeperServer[], ctx: StepContext): ConfigChange => ({
    ...membership(desired, 'participant', `ensemble of ${site.name} (run ${ctx.runId})`),
    has: (text) => zooCfgHasVoters(text, desired),
  });
  return {
    id: `coordination-${site.name}`,
    title: `Make ${site.name}'s ZooKeeper nodes (${nodes.map((n) => n.name).join(', ')}) a new ensemble`,
    kind: 'change',
    async plan(ctx) {
      const lines = servers().map(zooKeeperServerLine).join(' ');
      const warning = fewVotersWarning(site);
      return [
        ...(warning ? [{ target: site.name, via: 'wait' as const, text: warning }] : []),
        ...nodes.map((node) => ({
          target: node.name,
          via: 'host' as const,
          text: `read myid in dataDir (must be serverId ${node.serverId})`,
        })),
        ...nodes.map((node) => ({
          target: node.name,
          via: '4lw' as const,
          text: 'srvr (zxid before)',
        })),
        ...nodes.map((node) => commandAction(ctx, 'stopCoordination', node)),
        ...nodes.map((node) => commandAction(ctx, 'backupCoordinationData', node)),
        ...nodes.flatMap((node) =>
          writeAction(ctx, node, 'coordination', `peerType=participant standaloneEnabled=false ${lines}`),
        ),
        ...nodes.map((node) => commandAction(ctx, 'startCoordination', node)),
        ...nodes.map((node) => ({
          target: node.name,
          via: '4lw' as const,
          text: 'srvr (until one leader, others followers)',
        })),
        ...nodes.slice(0, 1).map((node) => ({
          target: node.name,
          via: '4lw' as const,
          text: 'mntr (zk_synced_followers on the leader)',
        })),
      ];
    },
    isDone: (ctx) => ensembleFormed(ctx, site, (text) => zooCfgHasVoters(text, servers())),
    precondition: (ctx) => checkMyIds(ctx, site),
    async run(ctx) {
      const desired = servers();
      const change = voters(desired, ctx);
      const warning = fewVotersWarning(site);
      if (warning) ctx.note(warning);
      const known = ctx.facts[zxidsKey(site)] as Record<string, string> | undefined;
      const before =
        known ??
        Object.fromEntries(
          (await coordinationStates(ctx, nodes))
            .filter((state) => state.zxid !== null)
            .map((state) => [state.node, `0x${state.zxid!.toString(16)}`]),
        );
      // Kept before anything changes, so that a resumed attempt compares with the same zxids.
      ctx.facts[zxidsKey(site)] = before;
      await together(nodes, (node) => stopCoordination(ctx, node));
      // The way back before the point of no return: the data as it was, the new epoch kept aside.
      await backUpData(ctx, nodes);
      for (const node of nodes) await rewriteConfig(ctx, node, change);
      await together(nodes, (node) => startCoordination(ctx, node));
      return {
        notes: [`ensemble: ${desired.map(zooKeeperServerLine).join(' ')}`],
        facts: { [zxidsKey(site)]: before },
      };
    },
    async verify(ctx) {
      let last: CoordinationState[] = [];
      await waitUntil(ctx, `a leader and quorum at ${site.name}`, async () => {
        last = await coordinationStates(ctx, nodes);
        return ensembleServing(site, last);
      });
      ctx.note(`serving: ${describeStates(last)}`);
      const stale = leaderIsMostRecent(ctx, site, last);
      if (stale) throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, stale);
    },
    // Spares go back to being stopped spares.
    undo: (ctx, record) =>
      restoreAndRestart(ctx, record, site.coordination, together, site.spareCoordination),
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
      return follower.coordination.flatMap((node) => {
        const [stop, ...rest] = rejoinActions(
          ctx,
          node,
          `peerType=observer ${lines}`,
          'srvr (until Mode: observer in the leader epoch)',
        );
        return [stop!, commandAction(ctx, 'backupCoordinationData', node), ...rest];
      });
    },
    async isDone(ctx) {
      return (
        (await observersReason(ctx, follower, primary)) === null &&
        (await configsHave(ctx, follower.coordination, (text) =>
          zooCfgHasMembership(text, servers(), 'observer'),
        ))
      );
    },
    async run(ctx) {
      const change = membership(servers(), 'observer', `observer of ${primary.name} (run ${ctx.runId})`);
      const states = await observerStates(ctx, follower, primary);
      const alreadyObserving = new Set(states.filter((s) => s.ok).map((s) => s.node));
      // A rollback starts again only the nodes that ran before (a recovered site's nodes stay stopped).
      (ctx.undo.data ??= {})['running'] = states.filter((s) => s.state.reachable).map((s) => s.node);
      for (const node of follower.coordination) {
        const file = await readCoordinationConfig(ctx, node);
        if (alreadyObserving.has(node.name) && file !== null && change.has(file)) {
          ctx.note(`${node.name} already observes ${primary.name}`);
          continue;
        }
        // The data as it was is copied aside before the rejoin moves it away: the undo puts it back.
        await stopCoordination(ctx, node);
        await backUpData(ctx, [node]);
        await rejoinNode(ctx, node, change);
      }
      return { notes: [`observers: ${follower.coordination.map((n) => n.name).join(', ')}`] };
    },
    async verify(ctx) {
      await waitUntil(ctx, `${follower.name}'s nodes observing ${primary.name}`, () =>
        observersReason(ctx, follower, primary),
      );
    },
    undo(ctx, record) {
      const running = new Set((record.data?.['running'] as string[] | undefined) ?? []);
      const restart = follower.coordination.filter((n) => running.has(n.name));
      return restoreAndRestart(ctx, record, follower.coordination, inTurn, [], restart);
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
    coordinationStates(ctx, ensembleNodes(primary)),
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
  const listed = (ctx: StepContext) =>
    configsHave(ctx, ensembleNodes(primary), (text) => zooCfgHasMembership(text, servers(), 'participant'));
  return {
    id: `ensemble-lists-${follower.name}`,
    title: `List ${follower.name}'s observers in ${primary.name}'s ZooKeeper config (no restart)`,
    kind: 'change',
    async plan(ctx) {
      const lines = servers().map(zooKeeperServerLine).join(' ');
      return ensembleNodes(primary).flatMap((node) =>
        writeAction(ctx, node, 'coordination', `peerType=participant ${lines}`),
      );
    },
    isDone: listed,
    async run(ctx) {
      const change = membership(
        servers(),
        'participant',
        `ensemble of ${primary.name} with observers (run ${ctx.runId})`,
      );
      for (const node of ensembleNodes(primary)) await rewriteConfig(ctx, node, change, 'skip');
      return {};
    },
    async verify(ctx) {
      if (!(await listed(ctx))) {
        throw new FailoverError(FAILOVER_ERROR_CODES.verifyFailed, 'config files do not list the observers');
      }
    },
    async undo(ctx, record) {
      await restoreFiles(ctx, record, ensembleNodes(primary));
    },
  };
};
