// Topology text → validated topology: YAML, then the schema. Loaded by loadTopology only when its cache misses.
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { deepFreeze } from './freeze.js';
import { topologySchema, type TopologyInput } from './schema.js';
import type { ConfigProblem, Topology } from './types.js';

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

/** The topology with more replicas or coordination nodes at one site (the extra ones as in a config file). */
export const withExtraEndpoints = (
  topology: Topology,
  siteName: string,
  extra: {
    replicas?: TopologyInput['sites'][number]['replicas'];
    coordination?: TopologyInput['sites'][number]['coordination'];
  },
): Topology =>
  parseTopology({
    ...structuredClone(topology),
    sites: topology.sites.map((site) =>
      site.name !== siteName
        ? site
        : {
            ...site,
            replicas: [...site.replicas, ...(extra.replicas ?? [])],
            coordination: [...site.coordination, ...(extra.coordination ?? [])],
          },
    ),
  });
