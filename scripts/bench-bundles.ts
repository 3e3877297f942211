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

/** The AWS SDK packages a bundle imports: statically (at module init) or with `import()` (on first use). */
const sdkImports = (file: string, pattern: RegExp): string[] => [
  ...new Set([...readFileSync(file, 'utf8').matchAll(pattern)].map((match) => match[1]!)),
];
const STATIC_SDK = /from\s*"(@aws-sdk\/[^"]+)"/g;
const DYNAMIC_SDK = /import\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g;

interface InitTimes {
  /** Module init: the statically imported SDK clients (none expected), then the bundle. */
  initMs: number;
  staticSdkMs: number;
  /** The first invocation's loading before any request: the handler's code (config schemas, the cycle or
   * the engine), up to the environment check it fails here, then the SDK clients it imports. */
  firstCodeMs: number;
  firstSdkMs: number;
}

/** In a fresh Node process: module init, then what the first invocation loads. */
const coldStart = async (file: string): Promise<InitTimes> => {
  const importAll = (names: readonly string[]) =>
    names.map((name) => `await import(${JSON.stringify(name)});`);
  const context = `{ functionName: 'bench', awsRequestId: 'bench', invokedFunctionArn: 'arn:aws:lambda:us-west-2:0:function:bench', getRemainingTimeInMillis: () => 60000 }`;
  const { stdout } = await exec(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      [
        `const t0 = performance.now();`,
        ...importAll(sdkImports(file, STATIC_SDK)),
        `const t1 = performance.now();`,
        `const { handler } = await import(${JSON.stringify(pathToFileURL(resolve(file)).href)});`,
        `const t2 = performance.now();`,
        // No CHDR_* environment: the first invocation loads its code, then refuses the environment.
        `const failed = await handler({ action: 'history' }, ${context}).then(() => false, () => true);`,
        `if (!failed) throw new Error('the handler ran without its environment');`,
        `const t3 = performance.now();`,
        ...importAll(sdkImports(file, DYNAMIC_SDK)),
        `const t4 = performance.now();`,
        `console.log(JSON.stringify({ initMs: t2 - t0, staticSdkMs: t1 - t0, firstCodeMs: t3 - t2, firstSdkMs: t4 - t3 }));`,
      ].join('\n'),
    ],
    { env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as InitTimes;
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
      const runs: InitTimes[] = [];
      for (let i = 0; i < INIT_ROUNDS; i++) runs.push(await coldStart(bundle));
      const of = (key: keyof InitTimes) => median(runs.map((run) => run[key]));
      const initMs = of('initMs');
      const staticSdk = sdkImports(bundle, STATIC_SDK);
      const lazySdk = sdkImports(bundle, DYNAMIC_SDK);
      const names = (sdk: string[]) => sdk.map((name) => name.replace('@aws-sdk/client-', '')).join(', ');
      log.figure(
        `bundle \`functions/${fn}\``,
        kib(bytes),
        'minified ESM from the packaged zip; the AWS SDK is the runtime’s',
      );
      log.figure(
        `module init \`functions/${fn}\``,
        ms(initMs),
        `fresh Node, median of ${INIT_ROUNDS}; the handler's wiring (middy, logger)${staticSdk.length > 0 ? ` and the SDK's ${names(staticSdk)} (${ms(of('staticSdkMs'))})` : ', no AWS SDK'}`,
      );
      log.figure(
        `first invocation \`functions/${fn}\`: code / AWS SDK loaded`,
        `${ms(of('firstCodeMs'))} / ${ms(of('firstSdkMs'))}`,
        `moved out of module init, same runs: the handler's code, then every SDK client the bundle can import (${names(lazySdk)}; a config loads only those it uses) from node_modules as the runtime loads its own`,
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
