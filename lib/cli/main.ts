import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from '../config/cache-dir.js';
import { loadBundle } from './code-cache.js';
import type * as Program from './program.js';

/** Set by the CLI build (scripts/build-cli.mjs), new for every build. */
declare const CHDR_BUILD: string;

// The CLI is one CommonJS bundle beside this file, run with V8's code cache of the command's earlier runs
// (./code-cache.ts). CHDR_DEBUG loads it with Node's loader instead, whose stack traces follow source maps.
const bundle = fileURLToPath(new URL('./chdr.cjs', import.meta.url));
const loadCli = (): typeof Program => {
  if (process.env.CHDR_DEBUG) {
    process.setSourceMapsEnabled(true);
    return createRequire(import.meta.url)(bundle) as typeof Program;
  }
  const loaded = loadBundle<typeof Program>(bundle, {
    dir: join(userCacheDir(), 'code'),
    build: CHDR_BUILD,
    command: process.argv[2] ?? '',
  });
  if (loaded.outcome !== 'hit') process.once('exit', loaded.save);
  return loaded.exports;
};

await loadCli().runCli(process.argv);
