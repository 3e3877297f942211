import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface PackagedStack {
  resources: Record<string, CfnResource>;
  /** The whole CloudFormation template a deployment would update the stack with, as written. */
  templateText: string;
  /** How long `serverless package` took. */
  elapsedMs: number;
}

const SERVICE_DIR = new URL('../../../', import.meta.url).pathname;

/**
 * Runs `serverless package` (osls) for one site the way a deployment does, offline with dummy credentials,
 * into a temporary directory, and returns the CloudFormation template's resources.
 */
export const packageStack = async (
  site: string,
  region: string,
  params: Record<string, string> = {},
): Promise<PackagedStack> => {
  const outDir = await mkdtemp(join(tmpdir(), 'chdr-package-'));
  const started = Date.now();
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(SERVICE_DIR, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--region',
        region,
        '--param',
        `site=${site}`,
        ...Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
        '--package',
        outDir,
      ],
      {
        cwd: SERVICE_DIR,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_PROFILE: '',
          AWS_SESSION_TOKEN: '',
        },
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const elapsedMs = Date.now() - started;
    const templateText = await readFile(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8');
    const template = JSON.parse(templateText) as { Resources: Record<string, CfnResource> };
    return { resources: template.Resources, templateText, elapsedMs };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};
