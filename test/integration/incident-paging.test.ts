import { describe, expect, inject, it } from 'vitest';
import { startNode, status, stopNode } from '../../lib/localcluster/index.js';
import { pagesPerIncident } from '../../scripts/bench-paging.js';

// Issue 13 acceptance: both sites' agents on the real local cluster (every 2 s, as `chdr agent --interval 2`),
// pages counted over every subject. confirmCycles is the default (2).
const clusterDir = inject('clusterDir');

const pidOf = async (name: string): Promise<number> => {
  const node = (await status(clusterDir)).nodes.find((candidate) => candidate.name === name);
  if (!node?.pid) throw new Error(`${name} has no running process`);
  return node.pid;
};

describe('one page per incident, on the real cluster with both agents', () => {
  it('quorum lost for 20 s (two of three primary participants stopped) gives exactly one CRITICAL and one RESOLVED', async () => {
    const result = await pagesPerIncident({ clusterDir, outageMs: 20_000 });

    expect(result.subjects.filter((s) => s.startsWith('[CRITICAL]'))).toHaveLength(1);
    expect(result.subjects.filter((s) => s.startsWith('[RESOLVED]'))).toHaveLength(1);
    expect(result.total).toBe(2);
    expect(result.incidents).toEqual(['coordination', 'coordination']);
    expect(result.subjects[0]).toContain('coordination');
  }, 180_000);

  it('a one-cycle probe timeout (ch3 frozen for one cycle) pages nothing', async () => {
    let pid = 0;
    const result = await pagesPerIncident({
      clusterDir,
      outageMs: 1,
      fault: {
        inject: async () => {
          pid = await pidOf('ch3');
          process.kill(pid, 'SIGSTOP');
        },
        undo: async () => {
          process.kill(pid, 'SIGCONT');
        },
      },
    });

    expect(result.subjects).toEqual([]);
  }, 180_000);

  it('a leader election (the leader stopped and started again) pages nothing', async () => {
    let leader = '';
    const result = await pagesPerIncident({
      clusterDir,
      outageMs: 1,
      fault: {
        inject: async () => {
          leader = (await status(clusterDir)).nodes.find((node) => node.mode === 'leader')!.name;
          await stopNode(clusterDir, leader);
        },
        undo: async () => {
          await startNode(clusterDir, leader);
        },
      },
    });

    expect(leader).toMatch(/^zk[123]$/);
    expect(result.subjects).toEqual([]);
  }, 180_000);
});
