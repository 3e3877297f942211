import type { CoordinationNode, ReplicaEndpoint } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { HostCommandResult, HostTarget } from '../executor/index.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import { commandTemplate, renderTemplate, serviceOf, type CommandName } from './templates.js';
import type { StepContext } from './types.js';

type NodeKind = CoordinationNode['kind'] | 'clickhouse';

export const targetOf = (node: CoordinationNode | ReplicaEndpoint, region?: string): HostTarget => ({
  name: node.name,
  host: node.host,
  ...(node.instanceId ? { instanceId: node.instanceId } : {}),
  ...(region ? { region } : {}),
});

const regionOf = (ctx: Pick<StepContext, 'topology'>, name: string): string | undefined =>
  ctx.topology.sites.find(
    (site) => site.replicas.some((r) => r.name === name) || site.coordination.some((n) => n.name === name),
  )?.region;

/** Shortens long base64 arguments so that plans and journals stay readable (and carry no file bodies). */
export const redactCommand = (command: string): string =>
  command.replace(/[A-Za-z0-9+/]{80,}={0,2}/g, (b64) => `<base64 ${Math.floor((b64.length * 3) / 4)} bytes>`);

const excerpt = (text: string, max = 400): string =>
  (text.length > max ? `${text.slice(0, max)}…` : text).trim();

/** The command text a template renders to, or a FailoverError when there is no template and no default. */
export const renderCommand = (
  ctx: Pick<StepContext, 'settings' | 'runId'>,
  name: CommandName,
  kind: NodeKind,
  node: { name: string; host: string },
  values: Record<string, string> = {},
): string => {
  const template = commandTemplate(ctx.settings, name, kind);
  if (!template) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `no command template failover.commands.${name} is configured (and there is no default)`,
    );
  }
  return renderTemplate(template, {
    node: node.name,
    host: node.host,
    service: serviceOf(kind),
    runId: ctx.runId,
    ...values,
  });
};

/** Runs a command on a node through the executor; a non-zero exit throws with the output excerpt. */
export const runOnNode = async (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  command: string,
  what: string,
  options: { allowFailure?: boolean } = {},
): Promise<HostCommandResult> => {
  await ctx.checkpoint?.();
  const remaining = Math.max(1_000, ctx.deadline - ctx.deps.clock.now());
  ctx.note(`$ [${node.name}] ${redactCommand(command)}`);
  let result;
  try {
    result = await ctx.deps.executor.run({
      target: targetOf(node, regionOf(ctx, node.name)),
      command,
      timeoutMs: remaining,
      ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
    });
  } catch (cause) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.hostCommand,
      `${what} on ${node.name}: ${describeError(cause)}`,
      { cause },
    );
  }
  if (result.exitCode !== 0 && !options.allowFailure) {
    const detail = excerpt(result.stderr || result.stdout) || '(no output)';
    throw new FailoverError(
      result.timedOut ? FAILOVER_ERROR_CODES.timeout : FAILOVER_ERROR_CODES.hostCommand,
      `${what} on ${node.name} ${result.timedOut ? 'timed out' : `exited with ${result.exitCode}`}: ${detail}`,
    );
  }
  return result;
};

/** Bytes per read when a file's output was cut (below SSM's 24,000 characters). */
const READ_CHUNK_BYTES = 16_000;

/**
 * Reads a file through its read command in pieces, and checks the pieces add up to the file's size.
 * The tail of each piece is drained (`cat >/dev/null`) so that `pipefail` sees no broken pipe.
 */
const readInChunks = async (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  command: string,
  path: string,
): Promise<string> => {
  const size = Number((await runOnNode(ctx, node, `${command} | wc -c`, `measuring ${path}`)).stdout.trim());
  const pieces: Buffer[] = [];
  let read = 0;
  while (read < size) {
    const piece = await runOnNode(
      ctx,
      node,
      `${command} | tail -c +${read + 1} | { head -c ${READ_CHUNK_BYTES}; cat >/dev/null; }`,
      `reading ${path} from byte ${read}`,
    );
    const bytes = Buffer.from(piece.stdout, 'utf8');
    if (piece.stdoutCut || bytes.length === 0) break;
    pieces.push(bytes);
    read += bytes.length;
  }
  if (!Number.isFinite(size) || read !== size) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.hostCommand,
      `reading ${path} on ${node.name}: got ${read} of ${size} bytes; the executor cuts the output, so the file cannot be read completely`,
    );
  }
  return Buffer.concat(pieces).toString('utf8');
};

/**
 * Reads a config file on a node; null when the file does not exist. Output the executor cut (SSM keeps
 * 24,000 characters) is read again in pieces and checked against the file's size, never used as it is.
 */
export const readNodeFile = async (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  name: 'readCoordinationConfig' | 'readClickHouseCoordinationConfig',
  kind: NodeKind,
  path: string,
): Promise<string | null> => {
  const command = renderCommand(ctx, name, kind, node, { path });
  const result = await runOnNode(ctx, node, command, `reading ${path}`, { allowFailure: true });
  if (result.exitCode === 0) return result.stdoutCut ? readInChunks(ctx, node, command, path) : result.stdout;
  if (/no such file/i.test(result.stderr)) return null;
  throw new FailoverError(
    FAILOVER_ERROR_CODES.hostCommand,
    `reading ${path} on ${node.name} exited with ${result.exitCode}: ${excerpt(result.stderr || result.stdout)}`,
  );
};

export const writeNodeFile = async (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  name: 'writeCoordinationConfig' | 'writeClickHouseCoordinationConfig',
  kind: NodeKind,
  path: string,
  content: string,
): Promise<void> => {
  const command = renderCommand(ctx, name, kind, node, {
    path,
    contentBase64: Buffer.from(content, 'utf8').toString('base64'),
  });
  await runOnNode(ctx, node, command, `writing ${path}`);
};

/** Seconds since the epoch of a file's last change on a node (undefined when it cannot be told). */
export const fileModifiedAt = async (
  ctx: StepContext,
  node: CoordinationNode | ReplicaEndpoint,
  kind: NodeKind,
  path: string,
): Promise<number | undefined> => {
  const command = renderCommand(ctx, 'fileModifiedAt', kind, node, { path });
  const result = await runOnNode(ctx, node, command, `reading the time of ${path}`, { allowFailure: true });
  const seconds = Number(result.stdout.trim());
  return result.exitCode === 0 && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
};
