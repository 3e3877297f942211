// Loads a bundle through lib/cli/code-cache.ts in a process of its own, as the CLI does, and prints what
// happened as JSON: V8 keeps what it compiled in memory, so a second load in one process would not read the
// cache file at all. Arguments: bundle file, cache dir, build, command, then `save` to save the cache.
import { createRequire } from 'node:module';
import { loadBundle } from '../../lib/cli/code-cache.js';

const [file, dir, build, command, save] = process.argv.slice(2) as [string, string, string, string, string?];
const loaded = loadBundle<{ answer(): number; helper: string; filename: string }>(
  file,
  {
    dir,
    build,
    command,
  },
  createRequire(file),
);
if (save === 'save') loaded.save();
process.stdout.write(
  JSON.stringify({
    outcome: loaded.outcome,
    answer: loaded.exports.answer(),
    helper: loaded.exports.helper,
    filename: loaded.exports.filename,
  }),
);
