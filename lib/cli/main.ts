import { join } from 'node:path';
import { userCacheDir } from '../config/cache-dir.js';
import { loadBundle } from './code-cache.js';
import type * as Program from './program.js';

/** Set by the CLI build (scripts/build-cli.mjs), new for every build. */
declare const CHDR_BUILD: string;

// The CLI is one CommonJS bundle beside this launcher, run with V8's code cache of the command's earlier
// runs (./code-cache.ts). The launcher is CommonJS too: an ES module entry point sets up Node's ESM loader,
// ~3 ms of every run. The bundle lies beside the launcher, so the launcher's `require` is the bundle's (and
// node:module stays unloaded). CHDR_DEBUG loads the bundle with Node's loader, whose stack traces follow
// source maps.
const bundle = join(__dirname, 'chdr-cli.cjs');
const loadCli = (): typeof Program => {
  if (process.env.CHDR_DEBUG) {
    process.setSourceMapsEnabled(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is loaded by path at run time
    return require(bundle) as typeof Program;
  }
  const loaded = loadBundle<typeof Program>(
    bundle,
    {
      dir: join(userCacheDir(), 'code'),
      build: CHDR_BUILD,
      command: process.argv[2] ?? '',
    },
    require,
  );
  if (loaded.outcome !== 'hit') process.once('exit', loaded.save);
  return loaded.exports;
};

// runCli settles every error itself (exit code and message); anything else is a bug and exits 1 with its stack.
void loadCli().runCli(process.argv);
