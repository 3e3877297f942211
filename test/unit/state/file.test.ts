import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../lib/state/index.js';

let path: string;

beforeEach(async () => {
  path = join(await mkdtemp(join(tmpdir(), 'chdr-state-')), 'state.json');
});

describe('FileStateStore', () => {
  it('keeps items across instances (a new process sees what a killed one wrote)', async () => {
    await new FileStateStore(path).put('failover#open', { runId: 'r1' });

    const item = await new FileStateStore(path).get<{ runId: string }>('failover#open');

    expect(item).toEqual({ key: 'failover#open', value: { runId: 'r1' }, version: 1 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ format: 1 });
  });

  it('writes conditionally: a stale version or an existing key with expectedVersion 0 is refused', async () => {
    const store = new FileStateStore(path);
    const first = await store.put('k', 'a', { expectedVersion: 0 });

    expect(await store.put('k', 'b', { expectedVersion: 0 })).toBeUndefined();
    expect(await store.put('k', 'c', { expectedVersion: first!.version })).toMatchObject({
      value: 'c',
      version: 2,
    });
    expect(await store.put('k', 'd', { expectedVersion: 1 })).toBeUndefined();
    expect(await store.delete('k', { expectedVersion: 1 })).toBe(false);
    expect(await store.delete('k', { expectedVersion: 2 })).toBe(true);
  });

  it('lets exactly one of many racing stores create a key', async () => {
    const stores = Array.from({ length: 8 }, () => new FileStateStore(path));

    const results = await Promise.all(
      stores.map((store, i) => store.put('failover#lock', { holder: i }, { expectedVersion: 0 })),
    );

    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const winner = results.findIndex((r) => r !== undefined);
    expect((await new FileStateStore(path).get('failover#lock'))?.value).toEqual({ holder: winner });
  });

  it('loses no update when racing stores each bump a counter with compare-and-set', async () => {
    const stores = Array.from({ length: 5 }, () => new FileStateStore(path));
    await stores[0]!.put('n', 0);

    await Promise.all(
      stores.map(async (store) => {
        for (let i = 0; i < 4; i += 1) {
          for (;;) {
            const current = (await store.get<number>('n'))!;
            if (await store.put('n', current.value + 1, { expectedVersion: current.version })) break;
          }
        }
      }),
    );

    expect((await stores[0]!.get<number>('n'))?.value).toBe(20);
  });

  it('treats an item past its TTL as absent', async () => {
    let now = 1_000_000;
    const store = new FileStateStore(path, { clock: { now: () => now } });
    await store.put('lock', 'x', { ttlSeconds: 60 });

    now += 61_000;

    expect(await store.get('lock')).toBeUndefined();
    expect(await store.put('lock', 'y', { expectedVersion: 0 })).toMatchObject({ value: 'y' });
  });

  it('takes over a lock file left by a process that no longer exists', async () => {
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12_345, at: new Date().toISOString() }));

    expect(await new FileStateStore(path, { lockWaitMs: 2_000 }).put('k', 1)).toMatchObject({ version: 1 });
  });

  it('gives up with a clear error when another live process keeps the file locked', async () => {
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.ppid, at: new Date().toISOString() }));

    await expect(new FileStateStore(path, { lockWaitMs: 200 }).put('k', 1)).rejects.toMatchObject({
      code: 'STATE_FILE_LOCK_TIMEOUT',
    });
  });
});
