import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadTopology, userCacheDir, type TopologyCache } from '../../../lib/config/index.js';

/** A copy of a shipped example and an empty cache, both in a fresh directory. */
const prepare = (example = 'examples/local.yaml') => {
  const dir = mkdtempSync(join(tmpdir(), 'chdr-cache-'));
  const path = join(dir, 'topology.yaml');
  copyFileSync(example, path);
  const cache: TopologyCache = { dir: join(dir, 'cache'), build: 'build-1' };
  return { dir, path, cache };
};

const entries = (cache: TopologyCache): string[] => readdirSync(cache.dir);

/** Rewrites the one cache entry: what a hit returns is then visible. */
const tamperWithEntry = (cache: TopologyCache): void => {
  const file = join(cache.dir, entries(cache)[0]!);
  const entry = JSON.parse(readFileSync(file, 'utf8')) as { topology: { cluster: string } };
  entry.topology.cluster = 'from-the-cache';
  writeFileSync(file, JSON.stringify(entry));
};

describe('loadTopology with a cache of validated topologies', () => {
  it('returns what validating returns, frozen, whether it validated or read the cache', async () => {
    const { path, cache } = prepare();

    const validated = await loadTopology(path);
    const stored = await loadTopology(path, { cache });
    const cached = await loadTopology(path, { cache });

    expect(stored).toEqual(validated);
    expect(cached).toEqual(validated);
    expect(Object.isFrozen(cached.sites[0]!.replicas[0])).toBe(true);
    expect(entries(cache)).toHaveLength(1);
  });

  it('reads the entry back for the same bytes and the same build', async () => {
    const { path, cache } = prepare();
    await loadTopology(path, { cache });
    tamperWithEntry(cache);

    const topology = await loadTopology(path, { cache });

    expect(topology.cluster).toBe('from-the-cache');
  });

  it('validates again when one byte of the file changes, and replaces the entry', async () => {
    const { path, cache } = prepare();
    await loadTopology(path, { cache });
    tamperWithEntry(cache);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n`);

    const topology = await loadTopology(path, { cache });

    expect(topology.cluster).toBe('local');
    expect(entries(cache)).toHaveLength(1);
    expect((await loadTopology(path, { cache })).cluster).toBe('local');
  });

  it('validates again under another build of chdr', async () => {
    const { path, cache } = prepare();
    await loadTopology(path, { cache });
    tamperWithEntry(cache);

    const topology = await loadTopology(path, { cache: { ...cache, build: 'build-2' } });

    expect(topology.cluster).toBe('local');
  });

  it('reports a bad file every time and never stores it', async () => {
    const { path, cache } = prepare('test/fixtures/config/typo-key.yaml');

    const first = await loadTopology(path, { cache }).catch((thrown: unknown) => thrown);
    const second = await loadTopology(path, { cache }).catch((thrown: unknown) => thrown);

    expect(first).toBeInstanceOf(ConfigError);
    expect(second).toEqual(first);
    expect(() => entries(cache)).toThrow();
  });

  it('validates when an entry cannot be read, and still loads when none can be written', async () => {
    const { dir, path, cache } = prepare();
    await loadTopology(path, { cache });
    writeFileSync(join(cache.dir, entries(cache)[0]!), '{"key": trunc');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, '');

    const fromCorrupt = await loadTopology(path, { cache });
    const withoutCache = await loadTopology(path, { cache: { ...cache, dir: join(aFile, 'cache') } });

    expect(fromCorrupt.cluster).toBe('local');
    expect(withoutCache.cluster).toBe('local');
  });

  it('stores nothing that JSON would not give back unchanged (-0 comes back as 0)', async () => {
    const { path, cache } = prepare();
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('thresholds:\n', 'thresholds:\n  replicaDelayWarnSeconds: -0\n'));

    const topology = await loadTopology(path, { cache });

    expect(Object.is(topology.thresholds.replicaDelayWarnSeconds, -0)).toBe(true);
    expect(() => entries(cache)).toThrow();
  });
});

describe('userCacheDir', () => {
  it('is $XDG_CACHE_HOME/chdr, else ~/.cache/chdr', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/chdr');
    expect(userCacheDir({})).toBe(join(homedir(), '.cache', 'chdr'));
  });
});
