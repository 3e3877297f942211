import type { CoordinationNode, Site } from '../../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import {
  keeperHasMembership,
  keeperHasVoters,
  parseKeeperServerId,
  parseLgif,
  pickRecoveryLeader,
  renderKeeperConfig,
  type KeeperServer,
  type RecoveryCandidate,
} from '../keeper-config.js';
import { ensembleNodes, keeperEnsemble, keeperEnsembleWithLearners } from '../membership.js';
import {
  coordinationState,
  coordinationStates,
  describeStates,
  waitUntil,
  type CoordinationState,
} from '../observe.js';
import type { FailoverStep, PlannedAction, StepContext } from '../types.js';
import {
  commandAction,
  readCoordinationConfig,
  runCoordinationCommand,
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
  inTurn,
  isLeader,
  resetCoordinationData,
  restoreAndRestart,
  rewriteConfig,
  type ConfigChange,
} from './coordination.js';

const REQUEST_MS = 3_000;

/** Asks every node of the site for `lgif` and `srvr`; unreachable nodes are left out. */
export const recoveryCandidates = async (ctx: StepContext, site: Site): Promise<RecoveryCandidate[]> =>
  Promise.all(
    site.coordination.map(async (node) => {
      const [lgif, state] = await Promise.all([
        ctx.deps.sendWord(node, 'lgif', REQUEST_MS),
        coordinationState(ctx, node),
      ]);
      const log = lgif.ok ? parseLgif(lgif.value) : undefined;
      return {
        node: node.name,
        serverId: node.serverId ?? 0,
        ...(log ? { log } : {}),
        ...(state.zxid !== null ? { zxid: state.zxid } : {}),
      };
    }),
  );

const describeCandidate = (c: RecoveryCandidate): string =>
  c.log
    ? `${c.node} (last_log_term ${c.log.lastLogTerm}, last_log_idx ${c.log.lastLogIdx})`
    : `${c.node} (zxid 0x${(c.zxid ?? 0n).toString(16)})`;

/**
 * A node that answers neither `lgif` nor `srvr` may hold a newer log than every node that answers:
 * picking without it may throw away acknowledged writes. Refused unless acknowledged by name.
 */
const refuseUnread = (ctx: StepContext, site: Site, candidates: readonly RecoveryCandidate[]): void => {
  const unread = candidates.filter((c) => c.log === undefined && c.zxid === undefined).map((c) => c.node);
  const acknowledged = new Set(ctx.request.ackUnreadNodes ?? []);
  const refused = unread.filter((node) => !acknowledged.has(node));
  if (refused.length === 0 || refused.length === candidates.length) {
    if (unread.length > 0) ctx.note(`picking without ${unread.join(', ')} (unreadable, acknowledged)`);
    return;
  }
  throw new FailoverError(
    FAILOVER_ERROR_CODES.refused,
    `refused (nothing changed): ${refused.join(', ')} at ${site.name} answer neither lgif nor srvr and may hold a ` +
      `newer log than the nodes that answer; start them, or pass --ack-unread-nodes ${refused.join(',')} to pick without them`,
  );
};

const pick = async (
  ctx: StepContext,
  site: Site,
): Promise<{ leader: CoordinationNode; candidates: RecoveryCandidate[] }> => {
  const saved = ctx.facts[`keeperRecoveryLeader:${site.name}`];
  const candidates = await recoveryCandidates(ctx, site);
  if (typeof saved !== 'string') refuseUnread(ctx, site, candidates);
  const chosen = typeof saved === 'string' ? saved : pickRecoveryLeader(candidates)?.node;
  const leader = site.coordination.find((node) => node.name === chosen);
  if (!leader) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `no Keeper node at ${site.name} answers lgif or srvr, so none can be picked to lead the recovery`,
    );
  }
  return { leader, candidates };
};

/** Refuses unless each node's `<server_id>` is the topology's serverId for it, spares too. */
const checkServerIds = async (ctx: StepContext, site: Site): Promise<void> => {
  const problems: string[] = [];
  for (const node of ensembleNodes(site)) {
    const text = await readCoordinationConfig(ctx, node);
    const id = text === null ? undefined : parseKeeperServerId(text);
    if (id !== node.serverId)
      problems.push(`${node.name}: server_id ${id ?? 'not set'}, the topology serverId ${node.serverId}`);
  }
  if (problems.length > 0) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `refused (nothing changed): server_id and serverId disagree, so the new raft_configuration would name the wrong nodes: ${problems.join('; ')}; fix the topology or the node`,
    );
  }
};

/** Keeper's `mntr`: the state it reports (`follower`, `leader`...), or why not. */
const mntrState = async (ctx: StepContext, node: CoordinationNode): Promise<string> => {
  const state = await coordinationState(ctx, node);
  return state.mode;
};

/**
 * Failover, ClickHouse Keeper (Keeper docs, "Recovering after losing quorum"): pick the target site's
 * most up-to-date node (highest Raft log position from `lgif`, else `srvr` zxid), back up its log and
 * snapshot folders, write the new `<raft_configuration>` (the target site's nodes, all voting) on every
 * node, put the picked node in recovery mode (`rcvr`, or a restart with `--force-recovery` when that
 * command is configured), then start the others one at a time, each until `mntr` says `follower`. The
 * site's spare nodes (stopped, holding no log of the cluster) are never picked; they join as voters.
 */
export const keeperRecoveryStep = (site: Site): FailoverStep => {
  const servers = (): KeeperServer[] => keeperEnsemble(site);
  const nodes = ensembleNodes(site);
  const voters = (ctx: StepContext): ConfigChange => ({
    has: (text) => keeperHasVoters(text, servers()),
    render: (text) =>
      renderKeeperConfig(text, servers(), `Keeper ensemble of ${site.name} (run ${ctx.runId})`),
  });
  return {
    id: `coordination-${site.name}`,
    title: `Recover ${site.name}'s Keeper nodes (${nodes.map((n) => n.name).join(', ')}) as a new Raft cluster`,
    kind: 'change',
    async plan(ctx) {
      let leader: CoordinationNode | undefined;
      const actions: PlannedAction[] = [];
      try {
        const picked = await pick(ctx, site);
        leader = picked.leader;
        actions.push({
          target: site.name,
          via: '4lw',
          text: `lgif, srvr on each node: ${picked.candidates.map(describeCandidate).join('; ')} -> picked ${leader.name}`,
        });
      } catch {
        actions.push({
          target: site.name,
          via: '4lw',
          text: 'lgif, srvr on each node; pick the highest last_log_term/last_log_idx (no node answers now)',
        });
      }
      const members = servers()
        .map((s) => `${s.id}=${s.hostname}:${s.port}`)
        .join(' ');
      const name = leader?.name ?? '<picked node>';
      const leaderNode = leader ?? site.coordination[0]!;
      const others = nodes.filter((node) => node.name !== leader?.name);
      const warning = fewVotersWarning(site);
      if (warning) actions.unshift({ target: site.name, via: 'wait', text: warning });
      actions.push(commandAction(ctx, 'backupCoordinationData', leaderNode, name));
      for (const node of others) actions.push(commandAction(ctx, 'stopCoordination', node));
      for (const node of others) actions.push(commandAction(ctx, 'backupCoordinationData', node));
      for (const node of nodes)
        actions.push(...writeAction(ctx, node, 'coordination', `raft_configuration ${members}`));
      actions.push(
        ctx.settings.commands.forceRecoveryCoordination
          ? commandAction(ctx, 'forceRecoveryCoordination', leaderNode, name)
          : { target: name, via: '4lw', text: 'rcvr' },
      );
      for (const node of others) {
        actions.push(commandAction(ctx, 'startCoordination', node));
        actions.push({ target: node.name, via: '4lw', text: 'mntr (until zk_server_state follower)' });
      }
      actions.push({
        target: name,
        via: '4lw',
        text: 'mntr (until zk_server_state leader, zk_synced_followers = others)',
      });
      return actions;
    },
    isDone: (ctx) => ensembleFormed(ctx, site, voters(ctx).has),
    precondition: (ctx) => checkServerIds(ctx, site),
    async run(ctx) {
      const { leader, candidates } = await pick(ctx, site);
      ctx.note(`candidates: ${candidates.map(describeCandidate).join('; ')}; picked ${leader.name}`);
      const warning = fewVotersWarning(site);
      if (warning) ctx.note(warning);
      const others = nodes.filter((node) => node.name !== leader.name);
      await backUpData(ctx, [leader]);
      await inTurn(others, (node) => stopCoordination(ctx, node));
      // The others' logs too: the undo puts every node's data back and keeps the new term's aside.
      await backUpData(ctx, others);
      const change = voters(ctx);
      for (const node of nodes) await rewriteConfig(ctx, node, change);
      if (ctx.settings.commands.forceRecoveryCoordination) {
        await runCoordinationCommand(
          ctx,
          'forceRecoveryCoordination',
          leader,
          `restarting ${leader.name} with --force-recovery`,
        );
      } else {
        const reply = await ctx.deps.sendWord(leader, 'rcvr', REQUEST_MS);
        if (!reply.ok) {
          throw new FailoverError(
            FAILOVER_ERROR_CODES.stepFailed,
            `rcvr to ${leader.name} failed (${reply.reason}); allow rcvr in four_letter_word_allow_list or configure failover.commands.forceRecoveryCoordination`,
          );
        }
        ctx.note(`rcvr -> ${leader.name}: ${reply.value.trim() || '(no reply text)'}`);
      }
      for (const node of others) {
        await startCoordination(ctx, node);
        await waitUntil(ctx, `${node.name} following ${leader.name}`, async () => {
          const mode = await mntrState(ctx, node);
          return mode === 'follower' ? null : `${node.name} is ${mode}`;
        });
      }
      return {
        notes: [`recovery leader ${leader.name}`],
        facts: { [`keeperRecoveryLeader:${site.name}`]: leader.name },
      };
    },
    async verify(ctx) {
      let last: CoordinationState[] = [];
      await waitUntil(ctx, `a Keeper leader and quorum at ${site.name}`, async () => {
        last = await coordinationStates(ctx, nodes);
        const reason = ensembleServing(site, last);
        return reason === null ? null : `${reason} (${describeStates(last)})`;
      });
      // The picked node has the newest log; Raft keeps it leader unless it lost its term meanwhile.
      const picked = ctx.facts[`keeperRecoveryLeader:${site.name}`];
      const leader = last.find((state) => isLeader(site, state));
      if (typeof picked === 'string' && leader && leader.node !== picked) {
        throw new FailoverError(
          FAILOVER_ERROR_CODES.verifyFailed,
          `${leader.node} leads, not ${picked} (the node with the newest log picked for the recovery): ${describeStates(last)}`,
        );
      }
    },
    // Before the point of no return: files and data as they were; the new term's data is kept aside.
    undo: (ctx, record) => restoreAndRestart(ctx, record, site.coordination, inTurn, site.spareCoordination),
  };
};

/**
 * Recovery, Keeper: the recovered site's nodes rejoin as learners (`can_become_leader` false). The serving
 * cluster's config files get them too: Keeper applies a changed `<raft_configuration>` on its own.
 */
export const keeperLearnersStep = (follower: Site, primary: Site): FailoverStep => {
  const servers = (): KeeperServer[] => keeperEnsembleWithLearners(primary, follower);
  const hasLearners = (text: string) => keeperHasMembership(text, servers());
  const learners = (note: string): ConfigChange => ({
    has: hasLearners,
    render: (text) => renderKeeperConfig(text, servers(), note),
  });
  const learnersReady = async (ctx: StepContext): Promise<string | null> => {
    const states = await coordinationStates(ctx, follower.coordination);
    const wrong = states.filter((s) => s.mode !== 'observer');
    return wrong.length === 0 ? null : `not learners yet: ${describeStates(wrong)}`;
  };
  return {
    id: `observers-${follower.name}`,
    title: `Rejoin ${follower.name}'s Keeper nodes as learners of ${primary.name}'s cluster`,
    kind: 'change',
    async plan(ctx) {
      const members = servers()
        .map((s) => `${s.id}=${s.hostname}:${s.port}${s.canBecomeLeader ? '' : '(learner)'}`)
        .join(' ');
      return [
        ...follower.coordination.flatMap((node) => [
          commandAction(ctx, 'stopCoordination', node),
          commandAction(ctx, 'resetCoordinationData', node),
        ]),
        ...ensembleNodes(primary).flatMap((node) =>
          writeAction(ctx, node, 'coordination', `raft_configuration ${members}`),
        ),
        ...follower.coordination.flatMap((node) => [
          ...writeAction(ctx, node, 'coordination', `raft_configuration ${members}`),
          commandAction(ctx, 'startCoordination', node),
          { target: node.name, via: '4lw' as const, text: 'isro (until ro: a learner)' },
        ]),
      ];
    },
    async isDone(ctx) {
      return (
        (await learnersReady(ctx)) === null &&
        (await configsHave(ctx, [...ensembleNodes(primary), ...follower.coordination], hasLearners))
      );
    },
    // Keeper docs' order: the old nodes are stopped and their data moved aside before the serving cluster
    // lists them, so it never talks to a node still holding the old term's log.
    async run(ctx) {
      for (const node of follower.coordination) {
        await stopCoordination(ctx, node);
        await resetCoordinationData(ctx, node);
      }
      const listed = learners(`with learners of ${follower.name} (run ${ctx.runId})`);
      for (const node of ensembleNodes(primary)) await rewriteConfig(ctx, node, listed, 'skip');
      const learner = learners(`learner of ${primary.name} (run ${ctx.runId})`);
      for (const node of follower.coordination) {
        await rewriteConfig(ctx, node, learner);
        await startCoordination(ctx, node);
      }
      return {};
    },
    async verify(ctx) {
      await waitUntil(ctx, `${follower.name}'s Keeper nodes as learners`, () => learnersReady(ctx));
    },
  };
};
