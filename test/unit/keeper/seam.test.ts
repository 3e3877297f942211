import { describe, expect, it } from 'vitest';
import type { ClickHouseConnection } from '../../../lib/clickhouse/index.js';
import { runCycle } from '../../../lib/cycle/index.js';
import { findCheck } from '../../../lib/health/index.js';
import type { SendWord } from '../../../lib/keeper/index.js';
import { referenceTopology } from '../metrics/reports.js';
import { fixture, keeperScripts, scriptedSend } from './support.js';

/** A replica that answers nothing useful: this test is about the 4lw seam only. */
const silentReplica: ClickHouseConnection = {
  endpoint: 'http://fixture:8123',
  exec: async () => undefined,
  queryRows: async () => [],
  replicasStatus: async () => ({ httpStatus: 200, body: fixture('clickhouse/replicas_status-ok.txt') }),
  close: async () => undefined,
};

describe('the 4lw seam of the cycle', () => {
  it('sends every word of the probes and the security lint through the one injected sender', async () => {
    const topology = referenceTopology();
    const words: string[] = [];
    const answer = scriptedSend({ ...keeperScripts.follower, conf: fixture('keeper/conf.txt') });
    const sendWord: SendWord = (node, word, timeoutMs) => {
      words.push(`${node.name}:${word}`);
      return answer(node, word, timeoutMs);
    };

    const report = await runCycle({
      topology,
      siteName: 'primary',
      clock: { now: () => Date.parse('2025-11-23T02:51:00Z') },
      connect: () => silentReplica,
      sendWord,
    });

    const nodes = topology.sites.flatMap((site) => site.coordination);
    // Followers tell their state by mntr: one word per node, and conf for this site's allow lists.
    expect(words).toHaveLength(nodes.length + topology.sites[0]!.coordination.length);
    expect(new Set(words.map((word) => word.split(':')[1]))).toEqual(new Set(['mntr', 'conf']));
    expect(words.filter((word) => word.endsWith(':conf')).sort()).toEqual(
      topology.sites[0]!.coordination.map((node) => `${node.name}:conf`).sort(),
    );
    expect(findCheck(report.checks, 'coordination-node', nodes[0]!.name)?.values.role).toBe('follower');
  });
});
