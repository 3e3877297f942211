// Bundles the CLI into bin/chdr.mjs plus lazily loaded chunks in bin/chunks/ (dependencies but the AWS SDK included,
// tree-shaken and minified, source maps beside the files). Runs on `npm install`.
import { randomUUID } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
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
  // The AWS SDK is loaded from node_modules (a dependency), only by the commands that call AWS: its clients
  // are imported on first use with `import()`, and a split chunk of a CommonJS package would export only
  // `default`, where Node's own loader gives the named exports those call sites use.
  external: ['@aws-sdk/*'],
  // yaml's ES module build (the `default` condition of its exports) rather than its CommonJS one (`node`): the
  // same code, but scope-hoisted and tree-shaken it evaluates in a third of the time.
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  // A new identity for every build: the key of the CLI's cache of validated topologies includes it, so that a
  // topology validated by one build is never read by another (lib/cli/actions/topology.ts).
  define: { CHDR_BUILD: JSON.stringify(randomUUID()) },
  // Bundled CommonJS dependencies call `require`: ESM has none, so each chunk gets one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __chdrRequire } from 'node:module'; const require = __chdrRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'lazy-child-process-for-commander',
      setup: (build) =>
        build.onResolve({ filter: /^(node:)?child_process$/ }, ({ importer }) =>
          importer.includes('node_modules/commander/')
            ? { path: resolve('scripts/lazy-child-process.cjs') }
            : undefined,
        ),
    },
  ],
  logLevel: 'warning',
});

// esbuild writes 0644: make the shebang usable (`./bin/chdr.mjs`) on a fresh clone too.
chmodSync('bin/chdr.mjs', 0o755);
