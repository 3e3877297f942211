import { readFileSync } from 'node:fs';
import { readCachedTopology, storeValidatedTopology, type TopologyCache } from './cache.js';
import { CONFIG_ERROR_CODES, ConfigError } from './errors.js';
import { deepFreeze } from './freeze.js';
import type { Topology } from './types.js';

// Synchronous: one small file, read once per process; node:fs/promises would load with its readline at start.
const readTopologyFile = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read';
    throw new ConfigError(
      path,
      [{ path: '(file)', message: `${reason}; pass an existing topology file with --config` }],
      {
        cause,
        code: CONFIG_ERROR_CODES.unreadable,
      },
    );
  }
};

export interface LoadOptions {
  /** Validated topologies kept between processes (the CLI's); without one, every load validates. */
  cache?: TopologyCache;
}

/**
 * Reads and validates a topology file. The YAML parser and the schema (./parse.js) are imported only when
 * the cache has no entry for these bytes: a hit costs neither their loading nor their work.
 */
export const loadTopology = async (path: string, options: LoadOptions = {}): Promise<Topology> => {
  const text = readTopologyFile(path);
  const { cache } = options;
  const cached = cache && readCachedTopology(cache, path, text);
  if (cached) return deepFreeze(cached);
  const { parseTopologyText } = await import('./parse.js');
  const topology = parseTopologyText(text, path);
  if (cache) await storeValidatedTopology(cache, path, text, topology);
  return topology;
};
