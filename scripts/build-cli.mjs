// Bundles the CLI into bin/chdr.mjs plus lazily loaded chunks in bin/chunks/ (dependencies included,
// tree-shaken and minified, source maps beside the files). Runs on `npm install`.
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('bin', { recursive: true, force: true });
await build({
  entryPoints: { chdr: 'lib/cli/main.ts' },
  outdir: 'bin',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  // Bundled CommonJS dependencies call `require`: ESM has none, so each chunk gets one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __chdrRequire } from 'node:module'; const require = __chdrRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// esbuild writes 0644: make the shebang usable (`./bin/chdr.mjs`) on a fresh clone too.
chmodSync('bin/chdr.mjs', 0o755);
