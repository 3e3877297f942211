import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Topology } from './types.js';

/**
 * Where topologies that were validated are kept between processes (the CLI's, whose every command loads one):
 * an entry holds what parsing and validating a file produced, under a key that hashes the file's bytes with
 * the build of chdr (and the Node) that validated them. A change to any of them is a miss, so a hit is
 * exactly what validating the file again would return; a file with problems is never stored, and reports
 * them every time.
 */
export interface TopologyCache {
  dir: string;
  /** Identifies the code that parses and validates: each build of the CLI has its own. */
  build: string;
}

interface Entry {
  key: string;
  topology: Topology;
}

const sha256 = (...parts: (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
};

// Node's version too: the same build validating on another Node (its regular expressions, its JSON) is
// another validator as far as the cache can tell.
const entryKey = (cache: TopologyCache, bytes: Buffer): string => sha256(cache.build, process.version, bytes);

/** One entry per config file, replaced when the file or the build changes. */
const entryPath = (cache: TopologyCache, path: string): string =>
  join(cache.dir, `${sha256(resolve(path)).slice(0, 32)}.json`);

/** The topology this build validated from these bytes, if it is in the cache. */
export const readCachedTopology = async (
  cache: TopologyCache,
  path: string,
  bytes: Buffer,
): Promise<Topology | undefined> => {
  try {
    const entry = JSON.parse(await readFile(entryPath(cache, path), 'utf8')) as Partial<Entry>;
    return entry.key === entryKey(cache, bytes) ? entry.topology : undefined;
  } catch {
    return undefined; // no entry yet, or one that cannot be read: validate
  }
};

/**
 * Stores what validating these bytes produced. Only what JSON gives back unchanged is stored; a cache that
 * cannot be written (read-only directory, full disk) only means validating next time too.
 */
export const storeValidatedTopology = async (
  cache: TopologyCache,
  path: string,
  bytes: Buffer,
  topology: Topology,
): Promise<void> => {
  const entry: Entry = { key: entryKey(cache, bytes), topology };
  const text = JSON.stringify(entry);
  // Loaded here, on a miss, only: importing node:util costs a hit more than all of its work.
  const { isDeepStrictEqual } = await import('node:util');
  if (!isDeepStrictEqual((JSON.parse(text) as Entry).topology, topology)) return;
  const file = entryPath(cache, path);
  const staged = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(cache.dir, { recursive: true });
    await writeFile(staged, text);
    await rename(staged, file); // whole entries only, even with several processes at once
  } catch {
    // not cached
  }
};
