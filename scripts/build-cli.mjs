// Bundles the CLI: bin/chdr.cjs, a small launcher, and bin/chdr-cli.cjs, every command in one CommonJS bundle
// (dependencies but the AWS SDK included, tree-shaken and minified, source map beside it) that the launcher
// runs with V8's code cache (lib/cli/code-cache.ts). Runs on `npm install`.
import { randomUUID } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const common = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  // A new identity for every build: the CLI's caches (validated topologies, compiled code) are keyed by it,
  // so that what one build wrote is never read by another.
  define: { CHDR_BUILD: JSON.stringify(randomUUID()) },
  logLevel: 'warning',
};

rmSync('bin', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { chdr: 'lib/cli/main.ts' },
  outfile: 'bin/chdr.cjs',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
});
await build({
  ...common,
  entryPoints: { chdr: 'lib/cli/program.ts' },
  outfile: 'bin/chdr-cli.cjs',
  format: 'cjs',
  sourcemap: 'linked',
  // Modules of other commands are in the file but run only when imported: `import()` becomes a call of the
  // module's bundled initializer, and of `require` for the AWS SDK (a script run by node:vm has no `import()`).
  supported: { 'dynamic-import': false },
  // The AWS SDK is loaded from node_modules (a dependency), only by the commands that call AWS: its clients
  // are imported on first use.
  external: ['@aws-sdk/*'],
  // yaml's ES module build (the `default` condition of its exports) rather than its CommonJS one (`node`): the
  // same code, but scope-hoisted and tree-shaken it evaluates in a third of the time.
  alias: { yaml: './node_modules/yaml/browser/index.js' },
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
});

// esbuild writes 0644: make the shebang usable (`./bin/chdr.cjs`) on a fresh clone too.
chmodSync('bin/chdr.cjs', 0o755);
