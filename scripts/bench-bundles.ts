// The Lambda bundles as `serverless package` builds them for deployment: packaging time, bundle size and
// module init in a fresh Node, against the goals of issue 15.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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

/** Milliseconds to import the bundle in a fresh Node process. */
const moduleInit = async (file: string): Promise<number> => {
  const { stdout } = await exec(process.execPath, [
    '--input-type=module',
    '-e',
    `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(resolve(file)).href)}); console.log(performance.now() - t);`,
  ]);
  const value = Number(stdout.trim());
  if (!Number.isFinite(value)) throw new Error(`module init of ${file} printed ${stdout}`);
  return value;
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
      const init: number[] = [];
      for (let i = 0; i < INIT_ROUNDS; i++) init.push(await moduleInit(bundle));
      const initMs = median(init);
      log.figure(
        `bundle \`functions/${fn}\``,
        kib(bytes),
        'minified ESM from the packaged zip; the AWS SDK is the runtime’s',
      );
      log.figure(
        `module init \`functions/${fn}\``,
        ms(initMs),
        `fresh Node, median of ${INIT_ROUNDS}, including the SDK clients it loads`,
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
