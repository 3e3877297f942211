import { findSite, type CoordinationNode, type ReplicaEndpoint, type Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import type { Clock } from '../probe/index.js';
import { fenceOf, readRoles, type FenceRecord } from '../roles/index.js';
import type { StateStore } from '../state/index.js';
import type { FenceOutcome } from './types.js';

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
