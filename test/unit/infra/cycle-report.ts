import type { ClickHouseConnection } from '../../../lib/clickhouse/index.js';
import type { CoordinationNode, Topology } from '../../../lib/config/index.js';
import { runCycle, type HealthReport } from '../../../lib/cycle/index.js';
import type { SendWord } from '../../../lib/keeper/index.js';
import { fixture, keeperScripts, scriptedSend } from '../keeper/support.js';

// The verbatim Keeper fixtures by role, as the keeper unit tests use them.
const KEEPER_REPLIES = {
  leader: keeperScripts.leader,
  follower: keeperScripts.follower,
  observer: keeperScripts.learner,
};

/**
 * A report made by the real monitoring cycle (lib/cycle) for one site of a topology, with every probe
 * answered from the verbatim fixtures: the values the catalog reads are exactly what the probes produce.
 */
export const cycleReport = async (
  topology: Topology,
  siteName: string,
  now = Date.parse('2025-11-23T02:51:00Z'),
): Promise<HealthReport> => {
  const clock = { now: () => now };
  const seconds = Math.floor(now / 1000);
  const connection: ClickHouseConnection = {
    endpoint: 'http://fixture:8123',
    exec: async () => undefined,
    queryRows: async <T>(sql: string) =>
      (sql.includes('system.replicas')
        ? fixture('clickhouse/system_replicas-healthy.jsonl')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as unknown)
        : [
            {
              server_now: seconds,
              site_ids: topology.sites.map((site) => site.name),
              last_updated_at: topology.sites.map(() => seconds - 2),
            },
          ]) as T[],
    replicasStatus: async () => ({ httpStatus: 200, body: fixture('clickhouse/replicas_status-ok.txt') }),
    close: async () => undefined,
  };
  const roleOf = (node: CoordinationNode): keyof typeof KEEPER_REPLIES => {
    if (node.role === 'observer') return 'observer';
    const participants = topology.sites
      .flatMap((site) => site.coordination)
      .filter((n) => n.role === 'participant');
    return participants[0]?.name === node.name ? 'leader' : 'follower';
  };
  const send: SendWord = (node, word, timeoutMs) =>
    scriptedSend({ ...KEEPER_REPLIES[roleOf(node)], conf: fixture('keeper/conf.txt') })(
      node,
      word,
      timeoutMs,
    );
  // Every 4lw word (probes and the security lint) is answered from fixtures: no socket to the topology's hosts.
  return runCycle({ topology, siteName, clock, connect: () => connection, sendWord: send });
};
