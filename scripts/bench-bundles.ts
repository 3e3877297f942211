// The Lambda bundles as `serverless package` builds them for deployment: packaging time, bundle size and
// module init in a fresh Node, against the goals of issue 15.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BenchLog } from './bench-measure.js';
import { kib, median, ms, seconds, timeCommand } from './bench-measure.js';

const exec = promisify(execFile);
const FUNCTIONS = ['monitor', 'failover'] as const;
const INIT_ROUNDS = 7;
const MAX_BUNDLE_BYTES = 400 * 1024;
const MAX_INIT_MS = 100;
/** Inside the project, so that the bundles' `@aws-sdk/*` imports resolve as the runtime's SDK would. */
const UNPACKED = '.chdr/bench-bundles';

/** The AWS SDK packages a bundle imports statically (loaded at module init); `import()`s load later. */
const staticSdkImports = (file: string): string[] => [
  ...new Set(
    [...readFileSync(file, 'utf8').matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)].map((match) => match[1]!),
  ),
];

/** Module init in a fresh Node process: the SDK clients the bundle imports, then the rest of the bundle. */
const moduleInit = async (
  file: string,
  sdk: readonly string[],
): Promise<{ totalMs: number; sdkMs: number }> => {
  const { stdout } = await exec(process.execPath, [
    '--input-type=module',
    '-e',
    [
      `const t0 = performance.now();`,
      ...sdk.map((name) => `await import(${JSON.stringify(name)});`),
      `const t1 = performance.now();`,
      `await import(${JSON.stringify(pathToFileURL(resolve(file)).href)});`,
      `console.log(JSON.stringify({ totalMs: performance.now() - t0, sdkMs: t1 - t0 }));`,
    ].join('\n'),
  ]);
  return JSON.parse(stdout) as { totalMs: number; sdkMs: number };
};

export const benchBundles = async (log: BenchLog): Promise<void> => {
  process.stderr.write('serverless package and bundles\n');
  const out = mkdtempSync(join(tmpdir(), 'chdr-bench-package-'));
  try {
    const packageMs = await timeCommand(
      process.execPath,
      [
        'node_modules/osls/bin/serverless.js',
        'package',
        '--region',
        'us-west-2',
        '--param',
        'site=standby',
        '--package',
        out,
      ],
      {
        // Offline: dummy credentials, nothing is deployed.
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          AWS_PROFILE: '',
          AWS_SESSION_TOKEN: '',
        },
        timeoutMs: 300_000,
      },
    );
    log.figure(
      '`serverless package` (one site, both functions, offline)',
      seconds(packageMs),
      'esbuild bundles, zips and the CloudFormation template',
    );
    rmSync(UNPACKED, { recursive: true, force: true });
    for (const fn of FUNCTIONS) {
      const dir = join(UNPACKED, fn);
      mkdirSync(dir, { recursive: true });
      await exec('python3', ['-m', 'zipfile', '-e', join(out, `${fn}.zip`), dir]);
      const bundle = join(dir, 'functions', `${fn}.mjs`);
      const bytes = statSync(bundle).size;
      const sdk = staticSdkImports(bundle);
      const init: { totalMs: number; sdkMs: number }[] = [];
      for (let i = 0; i < INIT_ROUNDS; i++) init.push(await moduleInit(bundle, sdk));
      const initMs = median(init.map((run) => run.totalMs));
      const sdkMs = median(init.map((run) => run.sdkMs));
      log.figure(
        `bundle \`functions/${fn}\``,
        kib(bytes),
        'minified ESM from the packaged zip; the AWS SDK is the runtime’s',
      );
      log.figure(
        `module init \`functions/${fn}\``,
        `${ms(initMs)} (SDK ${ms(sdkMs)})`,
        `fresh Node, median of ${INIT_ROUNDS}; SDK: loading ${sdk.map((name) => name.replace('@aws-sdk/client-', '')).join(', ')} from node_modules, as the runtime loads its own`,
      );
      log.goal({
        goal: `bundle size \`functions/${fn}\``,
        measured: kib(bytes),
        limit: `≤ ${kib(MAX_BUNDLE_BYTES)}`,
        pass: bytes <= MAX_BUNDLE_BYTES,
      });
      log.goal({
        goal: `module init \`functions/${fn}\``,
        measured: ms(initMs),
        limit: `≤ ${ms(MAX_INIT_MS)}`,
        pass: initMs <= MAX_INIT_MS,
      });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};
