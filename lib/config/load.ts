import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { readCachedTopology, storeValidatedTopology, type TopologyCache } from './cache.js';
import { CONFIG_ERROR_CODES, ConfigError } from './errors.js';
import { topologySchema } from './schema.js';
import type { ConfigProblem, Topology } from './types.js';

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(top level)'
    : path
        .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
        .join('');

/** Validates an already-parsed document; throws ConfigError listing every problem. */
export const parseTopology = (document: unknown, source = 'config'): Topology => {
  // A topology is parsed once per process: zod's compiled fast path for objects costs more to build than the
  // one parse it would speed up.
  const result = topologySchema.safeParse(document, { jitless: true });
  if (!result.success) {
    const problems: ConfigProblem[] = result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`
          : issue.message,
    }));
    throw new ConfigError(source, problems);
  }
  return deepFreeze(result.data);
};

/** Parses YAML (JSON is YAML too) text into a validated topology. */
export const parseTopologyText = (text: string, source = 'config'): Topology => {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => ({
        path: `line ${error.linePos?.[0].line ?? '?'}`,
        message: (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  return parseTopology(document.toJS(), source);
};

const readTopologyFile = async (path: string): Promise<Buffer> => {
  try {
    return await readFile(path);
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

export const loadTopology = async (path: string, options: LoadOptions = {}): Promise<Topology> => {
  const bytes = await readTopologyFile(path);
  const { cache } = options;
  const cached = cache && (await readCachedTopology(cache, path, bytes));
  if (cached) return deepFreeze(cached);
  const topology = parseTopologyText(bytes.toString('utf8'), path);
  if (cache) await storeValidatedTopology(cache, path, bytes, topology);
  return topology;
};
