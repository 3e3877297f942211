import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLineOf } from '../../lib/localcluster/process.js';

/**
 * `ip netns exec` (how a --netns cluster starts the standby's servers) reads as an empty /proc cmdline for a
 * moment while it execs. Read then, a starting server looked exited ("ch3 exited while starting", seen in
 * CI). Needs root, as the --netns cluster does.
 */
const NAMESPACE = 'chdr-exec-probe';

beforeAll(() => {
  execFileSync('ip', ['netns', 'add', NAMESPACE]);
});

afterAll(() => {
  execFileSync('ip', ['netns', 'delete', NAMESPACE]);
});

describe('commandLineOf a process that is being exec`d by ip netns exec', () => {
  it('reads its arguments, never "no such process", from the first moment to its exit', async () => {
    let reads = 0;
    for (let run = 0; run < 20; run++) {
      const child = spawn('ip', ['netns', 'exec', NAMESPACE, 'sleep', '0.1'], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      let done = false;
      void exited.then(() => (done = true));
      // Only reads that finished before the exit count: after it, null is the right answer.
      for (let i = 0; i < 5 && !done; i++) {
        const args = await commandLineOf(child.pid!);
        if (done) break;
        expect(args).not.toBeNull();
        reads += 1;
      }
      await exited;
    }
    expect(reads).toBeGreaterThan(20);
  });
});
