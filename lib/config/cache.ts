import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Topology } from './types.js';

/**
 * Where topologies that were validated are kept between processes (the CLI's, whose every command loads one):
 * an entry holds what parsing and validating a file's text produced, with that text and the build of chdr
 * (and the Node) that validated it. A hit needs all three equal, so it is exactly what validating the file
 * again would return; a file with problems is never stored, and reports them every time.
 */
export interface TopologyCache {
  dir: string;
  /** Identifies the code that parses and validates: each build of the CLI has its own. */
  build: string;
}

interface Entry {
  build: string;
  node: string;
  path: string;
  text: string;
  topology: Topology;
}

/** FNV-1a of the file's absolute path: only names the entry file (the entry itself says whose it is). */
const nameOf = (path: string): string => {
  let hash = 0x811c9dc5;
  for (const char of path) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
};

const entryPath = (cache: TopologyCache, path: string): string =>
  join(cache.dir, `${nameOf(resolve(path))}.json`);

// Node's version too: the same build validating on another Node (its regular expressions, its JSON) is
// another validator as far as the cache can tell.
const isEntryFor = (entry: Partial<Entry>, cache: TopologyCache, path: string, text: string): boolean =>
  entry.build === cache.build &&
  entry.node === process.version &&
  entry.path === resolve(path) &&
  entry.text === text;

/** The topology this build validated from this text of this file, if it is in the cache. */
export const readCachedTopology = (
  cache: TopologyCache,
  path: string,
  text: string,
): Topology | undefined => {
  try {
    const entry = JSON.parse(readFileSync(entryPath(cache, path), 'utf8')) as Partial<Entry>;
    return isEntryFor(entry, cache, path, text) ? entry.topology : undefined;
  } catch {
    return undefined; // no entry yet, or one that cannot be read: validate
  }
};

/**
 * Stores what validating this text produced. Only what JSON gives back unchanged is stored; a cache that
 * cannot be written (read-only directory, full disk) only means validating next time too.
 */
export const storeValidatedTopology = async (
  cache: TopologyCache,
  path: string,
  text: string,
  topology: Topology,
): Promise<void> => {
  const entry: Entry = { build: cache.build, node: process.version, path: resolve(path), text, topology };
  const serialized = JSON.stringify(entry);
  // Loaded here, on a miss, only: importing node:util costs a hit more than all of its work.
  const { isDeepStrictEqual } = await import('node:util');
  if (!isDeepStrictEqual((JSON.parse(serialized) as Entry).topology, topology)) return;
  const file = entryPath(cache, path);
  const staged = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    writeFileSync(staged, serialized, { mode: 0o600 });
    renameSync(staged, file); // whole entries only, even with several processes at once
  } catch {
    // not cached
  }
};
