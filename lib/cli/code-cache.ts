import { isAscii } from 'node:buffer';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Where V8's code cache of the CLI bundle is kept, one file per build, Node and command. The cache is taken
 * after a run, so it holds every function the command ran. Node's own compile cache
 * (`module.enableCompileCache`) is taken before the module runs and holds only the top level: each run
 * compiled the functions of its command again, the larger part of a cold `chdr check`'s CPU.
 */
export interface CodeCache {
  dir: string;
  /**
   * The bundle's build. V8 takes a cache for any source of the same length (the length is all it checks of
   * the source), so a cache is named by the build that wrote it and offered to that build only.
   */
  build: string;
  /** The command of this run (`process.argv[2]`): each command's cache holds the functions it runs. */
  command: string;
}

/** hit: V8 took the cache; miss: there was none; rejected: V8 refused it (another V8 or other flags). */
export type CodeCacheOutcome = 'hit' | 'miss' | 'rejected';

export interface LoadedBundle<T> {
  exports: T;
  outcome: CodeCacheOutcome;
  /** Writes the cache of everything compiled so far (call it at exit). Best effort: never throws. */
  save(): void;
}

const COMMAND_NAME = /^[a-z][a-z-]{0,31}$/;

export const codeCacheFile = ({ dir, build, command }: CodeCache): string =>
  join(dir, `${build}-${process.version}-${COMMAND_NAME.test(command) ? command : '_'}.bin`);

type ModuleWrapper = (
  exports: object,
  require: NodeJS.Require,
  module: { exports: object },
  filename: string,
  dirname: string,
) => void;

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // none yet, or unreadable: compile as without a cache
  }
};

/** The bundle's text. esbuild writes ASCII, for which latin1 (a copy) and UTF-8 (a decode) agree. */
const readSource = (file: string): string => {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
};

/**
 * Writes the script's code cache for this build and command, then deletes every other build's files: one
 * build's caches are kept at a time, so rebuilding never grows the directory. A cache that cannot be
 * written or pruned costs the next run its speed, nothing else: no error escapes.
 */
const saveCodeCache = (script: Script, cache: CodeCache): void => {
  const file = codeCacheFile(cache);
  const staged = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
  } catch {
    return;
  }
  try {
    writeFileSync(staged, script.createCachedData(), { mode: 0o600 });
    renameSync(staged, file);
  } catch {
    rmSync(staged, { force: true });
    return;
  }
  try {
    for (const name of readdirSync(cache.dir)) {
      if (!name.startsWith(`${cache.build}-`)) rmSync(join(cache.dir, name), { force: true });
    }
  } catch {
    // another process pruning at the same time
  }
};

/**
 * Runs a CommonJS bundle as Node's loader would (the same wrapper, and a `require` that resolves from the
 * bundle's folder), compiled with the code cache of this command's earlier runs when there is one. V8 checks
 * the cache (its version, flags, the source's length) and compiles from source when it does not fit.
 */
export const loadBundle = <T>(file: string, cache: CodeCache, require: NodeJS.Require): LoadedBundle<T> => {
  const cachedData = readCache(codeCacheFile(cache));
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${readSource(file)}\n})`,
    { filename: file, ...(cachedData === undefined ? {} : { cachedData }) },
  );
  const module = { exports: {} };
  (script.runInThisContext() as ModuleWrapper)(module.exports, require, module, file, dirname(file));
  return {
    exports: module.exports as T,
    outcome: cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit',
    save: () => saveCodeCache(script, cache),
  };
};
