import { describe, expect, it } from 'vitest';
import { entryHeads } from '../../../lib/localcluster/health.js';

/** The end of a real 18.16 error log after a refused start: the message, then its stack trace. */
const ERROR_LOG = [
  "2026.12.01 10:37:40.101 [ 12 ] {} <Error> default.heart_beat (ReplicatedMergeTreeRestartingThread): Couldn't start replication",
  '0. /usr/bin/clickhouse-server(StackTrace::StackTrace()+0x16) [0x5616]',
  "2026.12.01 10:37:41.883 [ 1 ] {} <Error> Application: DB::Exception: The local set of parts of table default.orders doesn't look like the set of parts in ZooKeeper: 500 rows of 500 total rows in filesystem are suspicious.",
  ...Array.from(
    { length: 40 },
    (_, i) => `${i}. /lib/x86_64-linux-gnu/libclickhouse.so.18.16(+0x1d5f6be) [0x7fd94415f6be]`,
  ),
  '',
].join('\n');

describe('ClickHouse error log in a failed start message', () => {
  it("keeps each entry's first line, so the exception message shows instead of the stack trace's last frames", () => {
    const heads = entryHeads(ERROR_LOG, 8).split('\n');

    expect(heads).toHaveLength(2);
    expect(heads[1]).toMatch(
      /<Error> Application: DB::Exception: The local set of parts .* are suspicious\.$/,
    );
    expect(heads.join('\n')).not.toMatch(/libclickhouse/);
  });

  it('keeps the last entries only, each cut to a readable length', () => {
    const log = Array.from(
      { length: 20 },
      (_, i) => `2026.12.01 10:00:${String(i).padStart(2, '0')} <Error> ${'x'.repeat(i === 19 ? 2_000 : 10)}`,
    ).join('\n');

    const heads = entryHeads(log, 8).split('\n');

    expect(heads).toHaveLength(8);
    expect(heads[0]).toMatch(/^2026\.12\.01 10:00:12 /);
    expect(heads[7]!.length).toBeLessThan(700);
    expect(heads[7]).toMatch(/…$/);
  });
});
