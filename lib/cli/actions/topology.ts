import { join } from 'node:path';
import { loadTopology, userCacheDir, type Topology } from '../../config/index.js';

/** Set by the CLI build (scripts/build-cli.mjs), new for every build; undefined when run from source. */
declare const CHDR_BUILD: string | undefined;

/**
 * The topology a command reads, through the cache of validated topologies when this is the built CLI: its
 * build identifies the code that validates. Run from source (tsx, tests), every load validates.
 */
export const loadCliTopology = (path: string): Promise<Topology> =>
  loadTopology(
    path,
    typeof CHDR_BUILD === 'string'
      ? { cache: { dir: join(userCacheDir(), 'topology'), build: CHDR_BUILD } }
      : {},
  );
