// Bundles the CLI into bin/chdr.mjs (dependencies stay in node_modules). Runs on `npm install`.
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['lib/cli/main.ts'],
  outfile: 'bin/chdr.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: 'inline',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

// esbuild writes 0644: make the shebang usable (`./bin/chdr.mjs`) on a fresh clone too.
chmodSync('bin/chdr.mjs', 0o755);
