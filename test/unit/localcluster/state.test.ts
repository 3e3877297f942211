import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isChdrError } from '../../../lib/errors/index.js';
import { LOCAL_CLUSTER_ERROR_CODES, planCluster, readState } from '../../../lib/localcluster/index.js';
import { withPids, withStateLock, writeState } from '../../../lib/localcluster/state.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chdr-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('cluster state', () => {
  it('reads back what was written, pids included', async () => {
    const planned = planCluster(dir, 12_000);
    await writeState(
      withPids(planned, new Map([['zk2', { pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' }]])),
    );

    const state = await readState(dir);

    expect(state.portBase).toBe(12_000);
    expect(state.nodes.find((node) => node.name === 'zk2')!.pid).toBe(4242);
    expect(state.nodes.find((node) => node.name === 'zk1')!.pid).toBeNull();
  });

  it('says there is no cluster when state.json is missing', async () => {
    const error = await errorOf(readState(join(dir, 'nothing-here')));

    expect(isChdrError(error, LOCAL_CLUSTER_ERROR_CODES.noState)).toBe(true);
    expect((error as Error).message).toContain('chdr cluster up');
  });

  it('rejects a state.json that is not a cluster state, naming the bad field', async () => {
    await writeFile(join(dir, 'state.json'), JSON.stringify({ version: 1, dir, nodes: 'none' }));

    const error = await errorOf(readState(dir));

    expect(isChdrError(error, LOCAL_CLUSTER_ERROR_CODES.noState)).toBe(true);
    expect((error as Error).message).toContain('nodes');
  });

  it('runs read-modify-write tasks on one directory one after another', async () => {
    await writeState(planCluster(dir));
    const order: string[] = [];
    const task = (name: string, ms: number) =>
      withStateLock(dir, async () => {
        order.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} end`);
      });

    await Promise.all([task('a', 30), task('b', 1)]);

    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).version).toBe(1);
  });
});
