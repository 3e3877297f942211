import { readFileSync } from 'node:fs';
import type { ClickHouseConnection } from '../../../lib/clickhouse/index.js';
import type { CoordinationNode, Topology } from '../../../lib/config/index.js';
import { runCycle, type HealthReport } from '../../../lib/cycle/index.js';
import { probeCoordinationNode, type FourLetterWord } from '../../../lib/keeper/index.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

const KEEPER_REPLIES: Record<'leader' | 'follower' | 'observer', Partial<Record<FourLetterWord, string>>> = {
  leader: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-leader.txt'),
    srvr: fixture('keeper/srvr-leader.txt'),
    isro: fixture('keeper/isro-rw.txt'),
  },
  follower: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-follower.txt'),
    srvr: fixture('keeper/stat-follower.txt'),
    isro: fixture('keeper/isro-rw.txt'),
  },
  observer: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-observer.txt'),
    isro: fixture('keeper/isro-observer.txt'),
  },
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
  return runCycle({
    topology,
    siteName,
    clock,
    connect: () => connection,
    probeNode: (node, options) =>
      probeCoordinationNode(node, {
        ...options,
        send: async (_target, word) => {
          const reply = KEEPER_REPLIES[roleOf(node)][word];
          return reply === undefined
            ? { ok: false, code: 'CONNECTION_REFUSED', reason: `${word}: refused`, elapsedMs: 1 }
            : { ok: true, value: reply, elapsedMs: 1 };
        },
      }),
  });
};
