import { describe, expect, it } from 'vitest';
import type { HealthReport } from '../../../lib/cycle/index.js';
import { renderStatusTree } from '../../../lib/report/index.js';
import { check, referenceTopology } from '../metrics/reports.js';

describe('renderStatusTree', () => {
  const topology = referenceTopology();
  const standbyOnly = (checks: HealthReport['checks']): HealthReport => ({
    cluster: 'analytics',
    site: 'standby',
    region: 'us-west-2',
    role: 'standby',
    startedAt: '2025-11-23T02:51:00.000Z',
    durationMs: 900,
    status: 'ok',
    checks,
    lagMethod: 'server clock',
    heartbeatMemory: { version: 1, sources: {} },
  });

  it('shows what each node is expected to be now, and the ensemble from the site that reported it', () => {
    const learner = topology.sites[1]!.coordination[0]!.name;
    const tree = renderStatusTree(topology, [
      standbyOnly([
        check('coordination-node', learner, 'ok', { role: 'leader', expectedRole: 'participant' }, 'standby'),
        check('coordination-ensemble', 'quorum', 'ok', { quorum: true, leaders: [learner] }, 'standby'),
      ]),
    ]);

    expect(tree).toContain(`${learner}  keeper leader (expected participant)`);
    expect(tree).toContain('ensemble');
    expect(tree).toContain('coordination-ensemble quorum is ok');
  });
});
