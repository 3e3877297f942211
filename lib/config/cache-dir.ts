import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user's cache directory for chdr (XDG): `$XDG_CACHE_HOME/chdr`, else `~/.cache/chdr`. */
export const userCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'chdr');
