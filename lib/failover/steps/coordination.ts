/** What the ZooKeeper and Keeper steps share: the ensemble check, config rewrites, rejoining a node. */

import type { CoordinationNode, Site } from '../../config/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from '../errors.js';
import { ensembleNodes } from '../membership.js';
import { coordinationStates, describeStates, type CoordinationState } from '../observe.js';
import type { PlannedAction, StepContext, UndoRecord } from '../types.js';
import {
  commandAction,
  coordinationPath,
  readCoordinationConfig,
  restoreFiles,
  runCoordinationCommand,
  startCoordination,
  stopCoordination,
  writeAction,
  writeCoordinationConfig,
} from './common.js';

// A one-node Keeper (and a 26.3 leader seeing no follower) reports `standalone`.
export const isLeader = (site: Site, state: CoordinationState): boolean =>
  state.mode === 'leader' || (state.mode === 'standalone' && ensembleNodes(site).length === 1);

/** Every node asked (`states`, of nodes at `site`) serves as leader or follower, with exactly one leader. */
export const ensembleServing = (site: Site, states: readonly CoordinationState[]): string | null => {
  const leaders = states.filter((s) => isLeader(site, s));
  const followers = states.filter((s) => s.mode === 'follower');
  if (leaders.length !== 1) return `${leaders.length} leaders at ${site.name} (${describeStates(states)})`;
  if (leaders.length + followers.length !== states.length)
    return `not every node votes (${describeStates(states)})`;
  const synced = leaders[0]!.syncedFollowers;
  if (synced !== undefined && synced < followers.length)
    return `leader has ${synced} synced followers of ${followers.length}`;
  return null;
};

/** The guide's ensemble: three voters survive the loss of one. */
const MIN_SAFE_VOTERS = 3;

/** The plan's and the journal's warning when a failover to `site` leaves fewer than three voters. */
export const fewVotersWarning = (site: Site): string | null => {
  const voters = ensembleNodes(site).length;
  return voters >= MIN_SAFE_VOTERS
    ? null
    : `WARNING: the new ensemble at ${site.name} has ${voters} voter(s); the DR guide asks for three ` +
        `("start additional Zookeeper servers as necessary to create a 3 node ensemble"): list spare nodes ` +
        `of ${site.name} in the topology (sites[].spareCoordination), or accept that losing one node stops it`;
};

/** A config rewrite: whether a file has it already, and the file with it. */
export interface ConfigChange {
  has: (text: string) => boolean;
  render: (text: string) => string;
  /** Why this file must not be rewritten (refused with that reason), or null. */
  unsupported?: (text: string) => string | null;
}

/** Whether every node's config file exists and has the change. */
export const configsHave = async (
  ctx: StepContext,
  nodes: readonly CoordinationNode[],
  has: ConfigChange['has'],
): Promise<boolean> => {
  for (const node of nodes) {
    const text = await readCoordinationConfig(ctx, node);
    if (text === null || !has(text)) return false;
  }
  return true;
};

/** Whether `site`'s new ensemble (spares included) serves and every config file names its voters (`hasVoters`). */
export const ensembleFormed = async (
  ctx: StepContext,
  site: Site,
  hasVoters: ConfigChange['has'],
): Promise<boolean> => {
  const states = await coordinationStates(ctx, ensembleNodes(site));
  if (ensembleServing(site, states) !== null) return false;
  return configsHave(ctx, ensembleNodes(site), hasVoters);
};

/**
 * Writes the change into a node's config unless it is there, saving the old file for undo first. A missing
 * file is refused; `skip` passes over it (the serving ensemble, whose files only list the newcomers).
 */
export const rewriteConfig = async (
  ctx: StepContext,
  node: CoordinationNode,
  change: ConfigChange,
  missing: 'refuse' | 'skip' = 'refuse',
): Promise<void> => {
  const current = await readCoordinationConfig(ctx, node);
  if (current === null) {
    if (missing === 'skip') return;
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `${coordinationPath(ctx, node)} does not exist on ${node.name}`,
    );
  }
  if (change.has(current)) return;
  const problem = change.unsupported?.(current);
  if (problem) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `refused to rewrite ${coordinationPath(ctx, node)} on ${node.name}: ${problem}`,
    );
  }
  (ctx.undo.files ??= []).push({
    node: node.name,
    kind: 'coordination',
    path: coordinationPath(ctx, node),
    before: current,
  });
  await writeCoordinationConfig(ctx, node, change.render(current));
};

/**
 * A node rejoins a serving ensemble: stopped, config rewritten, old data moved aside (it may hold history
 * the ensemble never saw; the node takes a snapshot from the leader instead), started.
 */
export const rejoinNode = async (
  ctx: StepContext,
  node: CoordinationNode,
  change: ConfigChange,
): Promise<void> => {
  await stopCoordination(ctx, node);
  await rewriteConfig(ctx, node, change);
  await resetCoordinationData(ctx, node);
  await startCoordination(ctx, node);
};

/** Moves a stopped node's data aside (kept under a run-named folder). */
export const resetCoordinationData = (ctx: StepContext, node: CoordinationNode): Promise<unknown> =>
  runCoordinationCommand(
    ctx,
    'resetCoordinationData',
    node,
    `moving ${node.name}'s old ${node.kind === 'keeper' ? 'Keeper data' : 'data'} aside`,
  );

/** The plan of `rejoinNode`, then the 4lw wait `until` the node has rejoined. */
export const rejoinActions = (
  ctx: StepContext,
  node: CoordinationNode,
  summary: string,
  until: string,
): PlannedAction[] => [
  commandAction(ctx, 'stopCoordination', node),
  ...writeAction(ctx, node, 'coordination', summary),
  commandAction(ctx, 'resetCoordinationData', node),
  commandAction(ctx, 'startCoordination', node),
  { target: node.name, via: '4lw', text: until },
];

type ForEachNode = (
  nodes: readonly CoordinationNode[],
  action: (node: CoordinationNode) => Promise<unknown>,
) => Promise<void>;

export const inTurn: ForEachNode = async (nodes, action) => {
  for (const node of nodes) await action(node);
};

export const together: ForEachNode = async (nodes, action) => {
  await Promise.all(nodes.map((node) => action(node)));
};

/**
 * The undo of rewritten configs on restarted nodes: stop them, put the files back, start them. With
 * `data`, the nodes whose data this run backed up (`record.data.backedUp`) also get it back, the new
 * epoch's data kept aside (a new ensemble rolled back before the point of no return). `spares` get the
 * same but stay stopped, as they were before the run.
 */
export const restoreAndRestart = async (
  ctx: StepContext,
  record: UndoRecord,
  nodes: readonly CoordinationNode[],
  forEach: ForEachNode,
  spares: readonly CoordinationNode[] = [],
  /** The nodes to start again (default all): a node stopped before the step stays stopped. */
  restart: readonly CoordinationNode[] = nodes,
): Promise<void> => {
  await forEach([...nodes, ...spares], (node) => stopCoordination(ctx, node));
  const backedUp = new Set((record.data?.['backedUp'] as string[] | undefined) ?? []);
  for (const node of [...nodes, ...spares].filter((n) => backedUp.has(n.name))) {
    await runCoordinationCommand(
      ctx,
      'restoreCoordinationData',
      node,
      `putting ${node.name}'s data from before the run back (new epoch kept aside)`,
    );
  }
  await restoreFiles(ctx, record, [...nodes, ...spares]);
  await forEach(restart, (node) => startCoordination(ctx, node));
};

/** Copies stopped nodes' data aside first, and records them so that the undo can put it back. */
export const backUpData = async (ctx: StepContext, nodes: readonly CoordinationNode[]): Promise<void> => {
  const backedUp = ((ctx.undo.data ??= {})['backedUp'] ??= []) as string[];
  for (const node of nodes) {
    await runCoordinationCommand(ctx, 'backupCoordinationData', node, `backing up ${node.name}'s data`);
    if (!backedUp.includes(node.name)) backedUp.push(node.name);
  }
};
