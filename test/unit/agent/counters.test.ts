import { describe, expect, it } from 'vitest';
import { runAgentCycle } from '../../../lib/agent/index.js';
import { SERVER_QUERY, type ClickHouseConnection } from '../../../lib/clickhouse/index.js';
import { parseTopology } from '../../../lib/config/parse.js';
import { findCheck } from '../../../lib/health/index.js';
import { probeCoordinationNode } from '../../../lib/keeper/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { fixture, keeperScripts, scriptedSend } from '../keeper/support.js';
import { referenceTopology } from '../metrics/reports.js';

/** A healthy replica whose RejectedInserts counter reads `rejected.value` (quoted, as 18.16 sends UInt64). */
const replicaWithCounter = (rejected: { value: number }): ClickHouseConnection => ({
  endpoint: 'http://fixture:8123',
  exec: async () => undefined,
  queryRows: async <T>(sql: string) =>
    (sql === SERVER_QUERY
      ? [{ kind: 'event', name: 'RejectedInserts', detail: '', value: String(rejected.value) }]
      : []) as T[],
  replicasStatus: async () => ({ httpStatus: 200, body: fixture('clickhouse/replicas_status-ok.txt') }),
  close: async () => undefined,
});

describe('runAgentCycle', () => {
  it('keeps each replica’s counters in the state store and judges the next cycle’s change', async () => {
    const reference = referenceTopology();
    let port = 0;
    const topology = parseTopology({
      ...structuredClone(reference),
      sites: reference.sites.map((site) => ({
        ...site,
        coordination: site.coordination.map((node) => ({
          ...node,
          host: '127.0.0.1',
          clientPort: (port += 1),
        })),
      })),
    });
    const store = new MemoryStateStore();
    const rejected = { value: 10 };
    const cycle = () =>
      runAgentCycle({
        topology,
        siteName: 'standby',
        clock: { now: () => Date.parse('2025-11-23T02:51:00Z') },
        connect: () => replicaWithCounter(rejected),
        store,
        publisher: { publish: async () => ({ calls: 0, datums: 0 }) as never },
        pager: { process: async () => ({ outcomes: [], sent: 0, open: [], pending: [], deferred: [] }) },
        // Coordination nodes on closed loopback ports: refused at once, no socket leaves the host.
        probeNode: (node, options) =>
          probeCoordinationNode(node, { ...options, send: scriptedSend(keeperScripts.follower) }),
      });
    const replica = topology.sites[1]!.replicas[0]!.name;

    const first = await cycle();
    rejected.value = 13;
    const second = await cycle();

    expect(findCheck(first.report.checks, 'replica-status', replica)?.values.rejectedInserts).toBeNull();
    expect(findCheck(second.report.checks, 'replica-status', replica)).toMatchObject({
      status: 'critical',
      values: { rejectedInserts: 3 },
    });
  });
});
