import type { CoordinationNode, ReplicaEndpoint } from '../../config/index.js';
import { readNodeFile, redactCommand, renderCommand, runOnNode, writeNodeFile } from '../host.js';
import { pathFor, type CommandName } from '../templates.js';
import type { PlannedAction, StepContext, UndoRecord } from '../types.js';

export const coordinationPath = (ctx: Pick<StepContext, 'settings'>, node: CoordinationNode): string =>
  pathFor(ctx.settings, node.kind === 'keeper' ? 'keeperConfig' : 'zookeeperConfig', node.name);

export const clickhousePath = (ctx: Pick<StepContext, 'settings'>, replica: ReplicaEndpoint): string =>
  pathFor(ctx.settings, 'clickhouseCoordinationConfig', replica.name);

/** A host action for the plan: the rendered command (base64 bodies shortened). */
export const hostAction = (target: string, command: string): PlannedAction => ({
  target,
  via: 'host',
  text: redactCommand(command),
});

/** Commands that work on a node's data: their templates get its config file as `{path}`. */
const DATA_COMMANDS: ReadonlySet<CommandName> = new Set([
  'backupCoordinationData',
  'forceRecoveryCoordination',
  'resetCoordinationData',
  'restoreCoordinationData',
]);

export const coordinationCommand = (ctx: StepContext, name: CommandName, node: CoordinationNode): string =>
  renderCommand(
    ctx,
    name,
    node.kind,
    node,
    DATA_COMMANDS.has(name) ? { path: coordinationPath(ctx, node) } : {},
  );

/** The plan line of a command on a coordination node; `target` names it (a node not picked yet). */
export const commandAction = (
  ctx: StepContext,
  name: CommandName,
  node: CoordinationNode,
  target = node.name,
): PlannedAction => hostAction(target, coordinationCommand(ctx, name, node));

export const runCoordinationCommand = (
  ctx: StepContext,
  name: CommandName,
  node: CoordinationNode,
  what: string,
): Promise<unknown> => runOnNode(ctx, node, coordinationCommand(ctx, name, node), what);

export const stopCoordination = (ctx: StepContext, node: CoordinationNode): Promise<unknown> =>
  runCoordinationCommand(ctx, 'stopCoordination', node, `stopping ${node.name}`);

export const startCoordination = (ctx: StepContext, node: CoordinationNode): Promise<unknown> =>
  runCoordinationCommand(ctx, 'startCoordination', node, `starting ${node.name}`);

export const stopReplica = (ctx: StepContext, replica: ReplicaEndpoint): Promise<unknown> =>
  runOnNode(
    ctx,
    replica,
    renderCommand(ctx, 'stopClickHouse', 'clickhouse', replica),
    `stopping ${replica.name}`,
  );

export const startReplica = (ctx: StepContext, replica: ReplicaEndpoint): Promise<unknown> =>
  runOnNode(
    ctx,
    replica,
    renderCommand(ctx, 'startClickHouse', 'clickhouse', replica),
    `starting ${replica.name}`,
  );

export const readCoordinationConfig = (ctx: StepContext, node: CoordinationNode): Promise<string | null> =>
  readNodeFile(ctx, node, 'readCoordinationConfig', node.kind, coordinationPath(ctx, node));

export const writeCoordinationConfig = (
  ctx: StepContext,
  node: CoordinationNode,
  content: string,
): Promise<void> =>
  writeNodeFile(ctx, node, 'writeCoordinationConfig', node.kind, coordinationPath(ctx, node), content);

export const readClickHouseConfig = (ctx: StepContext, replica: ReplicaEndpoint): Promise<string | null> =>
  readNodeFile(ctx, replica, 'readClickHouseCoordinationConfig', 'clickhouse', clickhousePath(ctx, replica));

export const writeClickHouseConfig = (
  ctx: StepContext,
  replica: ReplicaEndpoint,
  content: string,
): Promise<void> =>
  writeNodeFile(
    ctx,
    replica,
    'writeClickHouseCoordinationConfig',
    'clickhouse',
    clickhousePath(ctx, replica),
    content,
  );

/** Puts saved files back (the undo of any config rewrite). A file that did not exist is left as written. */
export const restoreFiles = async (
  ctx: StepContext,
  record: UndoRecord,
  nodes: readonly (CoordinationNode | ReplicaEndpoint)[],
): Promise<void> => {
  for (const file of record.files ?? []) {
    const node = nodes.find((candidate) => candidate.name === file.node);
    if (!node || file.before === null) continue;
    if (file.kind === 'coordination')
      await writeCoordinationConfig(ctx, node as CoordinationNode, file.before);
    else await writeClickHouseConfig(ctx, node as ReplicaEndpoint, file.before);
  }
};

/** The plan line for a config write: the command and what the new membership is. */
export const writeAction = (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  kind: 'coordination' | 'clickhouse',
  summary: string,
): PlannedAction[] => {
  const isCoordination = kind === 'coordination';
  const path = isCoordination
    ? coordinationPath(ctx, node as CoordinationNode)
    : clickhousePath(ctx, node as ReplicaEndpoint);
  const nodeKind = isCoordination ? (node as CoordinationNode).kind : 'clickhouse';
  return [
    hostAction(
      node.name,
      renderCommand(
        ctx,
        isCoordination ? 'readCoordinationConfig' : 'readClickHouseCoordinationConfig',
        nodeKind,
        node,
        { path },
      ),
    ),
    hostAction(
      node.name,
      renderCommand(
        ctx,
        isCoordination ? 'writeCoordinationConfig' : 'writeClickHouseCoordinationConfig',
        nodeKind,
        node,
        {
          path,
          contentBase64: '<new file, base64>',
        },
      ),
    ),
    { target: node.name, via: 'host', text: `  new ${path}: ${summary}` },
  ];
};
