import { findSite, type CoordinationNode, type ReplicaEndpoint, type Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { ClickHouseConnection } from '../clickhouse/types.js';
import { sendFourLetterWord } from '../keeper/index.js';
import { systemClock, type Clock } from '../probe/index.js';
import { fenceOf, readRoles, type FenceRecord } from '../roles/index.js';
import type { StateStore } from '../state/index.js';
import type { FenceOutcome, InstanceFencer } from './types.js';

/** The "old primary back, fenced" page is remembered this long per fence (one page per fence). */
const NOTICE_TTL_SECONDS = 30 * 24 * 3600;

export const fenceNoticeKey = (cluster: string, site: string, runId: string): string =>
  `fence-notice#${cluster}#${site}#${runId}`;

type FencedNode = CoordinationNode | ReplicaEndpoint;

/** What the agent of a fenced site needs to keep it fenced; the world is injected. */
export interface FenceGuardDeps {
  topology: Topology;
  /** The store this agent reads the roles from (its own region's). */
  store: StateStore;
  clock: Clock;
  /** Names of the nodes that answer (4lw, `SELECT 1`): a fenced node must not. */
  findRunning(nodes: readonly FencedNode[]): Promise<string[]>;
  /** Fences them again (executor fence command, or the instance fencer). */
  fenceNodes(nodes: readonly FencedNode[], fence: FenceRecord): Promise<FenceOutcome[]>;
  /** Sends one page. */
  notify(subject: string, body: string): Promise<void>;
}

export interface FenceEnforcement {
  fence: FenceRecord;
  /** Fenced nodes found answering on this cycle. */
  found: string[];
  outcomes: FenceOutcome[];
  /** Whether this cycle sent the page (only the first cycle that sees the fence does). */
  paged: boolean;
}

const describe = (outcomes: readonly FenceOutcome[]): string =>
  outcomes.map((o) => `${o.node}: ${o.confirmed ? o.detail : `NOT fenced (${o.reason})`}`).join('; ');

/**
 * Issue 11.2: run at the start of each agent cycle of a site. When the live roles say the site is fenced,
 * everything of it that still answers is fenced again, and the first cycle that sees the fence pages once
 * "old primary back, fenced" with what it found. Returns null when the site is not fenced.
 */
export const enforceFence = async (
  deps: FenceGuardDeps,
  siteName: string,
): Promise<FenceEnforcement | null> => {
  const roles = await readRoles(deps.store, deps.topology);
  const fence = fenceOf(roles, siteName);
  if (!fence) return null;
  const site = findSite(deps.topology, siteName);
  const nodes = [...site.replicas, ...site.coordination].filter((n) => fence.nodes.includes(n.name));
  const found = await deps.findRunning(nodes);
  let outcomes: FenceOutcome[] = [];
  if (found.length > 0) {
    const running = nodes.filter((n) => found.includes(n.name));
    outcomes = await deps
      .fenceNodes(running, fence)
      .catch((error: unknown) =>
        running.map((n) => ({ node: n.name, confirmed: false as const, reason: describeError(error) })),
      );
  }
  const key = fenceNoticeKey(deps.topology.cluster, siteName, fence.runId);
  if ((await deps.store.get(key)) !== undefined) return { fence, found, outcomes, paged: false };
  const subject = `[chdr] ${deps.topology.cluster}: old primary ${siteName} back, fenced`;
  const body = [
    `${siteName} was fenced by run ${fence.runId} (${fence.method}, ${fence.at}, by ${fence.by}${fence.note ? `: "${fence.note}"` : ''}).`,
    found.length === 0
      ? `Its agent runs again and found none of ${fence.nodes.join(', ')} serving.`
      : `Its agent runs again and found ${found.join(', ')} serving: ${describe(outcomes)}.`,
    `It stays fenced (takes no writes) until \`chdr recover --from ${siteName} --to ${roles.primary}\`.`,
  ].join('\n');
  await deps.notify(subject, body);
  await deps.store.put(
    key,
    { at: new Date(deps.clock.now()).toISOString(), found },
    { ttlSeconds: NOTICE_TTL_SECONDS },
  );
  return { fence, found, outcomes, paged: true };
};

/** Which nodes answer: coordination nodes `ruok` over 4lw, replicas `SELECT 1`; a failed probe is "not answering". */
export const answeringNodes = async (
  nodes: readonly FencedNode[],
  probe: {
    ruok(node: CoordinationNode): Promise<boolean>;
    select1(replica: ReplicaEndpoint): Promise<boolean>;
  },
): Promise<string[]> => {
  const answers = await Promise.all(
    nodes.map((node) => ('clientPort' in node ? probe.ruok(node) : probe.select1(node)).catch(() => false)),
  );
  return nodes.filter((_, i) => answers[i]).map((n) => n.name);
};

/** How long the guard waits for a stop to be confirmed, unless told otherwise. */
const DEFAULT_FENCE_WAIT_MS = 60_000;

/** A node that does not answer within this is taken as not running (the page says what was found). */
const PROBE_MS = 1_500;

/**
 * The fence guard an agent runs each cycle (`AgentDeps.fenceGuard`): finds the fenced site's nodes that
 * answer (4lw `ruok`, `SELECT 1`), stops them through `fencer` (EC2 in AWS, pids locally), pages through
 * `notify`. The deployed monitor passes its own region's store, connections, EC2 fencer and SNS page.
 */
export const createFenceGuard = (options: {
  topology: Topology;
  store: StateStore;
  connect: (replica: ReplicaEndpoint) => Pick<ClickHouseConnection, 'queryRows'>;
  fencer: InstanceFencer;
  notify: (subject: string, body: string) => Promise<void>;
  clock?: Clock;
  /** How long to wait for the stop to be confirmed (default a minute); a Lambda passes its cycle budget. */
  fenceTimeoutMs?: number;
}): ((siteName: string) => Promise<FenceEnforcement | null>) => {
  const deps: FenceGuardDeps = {
    topology: options.topology,
    store: options.store,
    clock: options.clock ?? systemClock,
    findRunning: (nodes) =>
      answeringNodes(nodes, {
        ruok: async (node) =>
          (
            await sendFourLetterWord({ host: node.host, port: node.clientPort }, 'ruok', {
              timeoutMs: PROBE_MS,
            })
          ).ok,
        select1: async (replica) => {
          await options.connect(replica).queryRows('SELECT 1 AS one', { timeoutMs: PROBE_MS });
          return true;
        },
      }),
    fenceNodes: (nodes, fence) => {
      const region = findSite(options.topology, fence.site).region;
      return options.fencer.fence(
        nodes.map((n) => ({ name: n.name, region, ...(n.instanceId ? { instanceId: n.instanceId } : {}) })),
        {
          runId: fence.runId,
          note: `still fenced (run ${fence.runId}): found running`,
          timeoutMs: options.fenceTimeoutMs ?? DEFAULT_FENCE_WAIT_MS,
        },
      );
    },
    notify: options.notify,
  };
  return (siteName) => enforceFence(deps, siteName);
};
