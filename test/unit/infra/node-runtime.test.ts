import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The Lambdas run nodejs22.x; the tests, the CLI build and the bench must run the same major, from the
 * `node` devDependency that npm puts first on every script's PATH (the machine's own Node may be older).
 */

const REPO = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, REPO), 'utf8');
const LAMBDA_MAJOR = 22;

describe('Node runtime', () => {
  it('runs the tests on the Lambda runtime’s Node major', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(LAMBDA_MAJOR);
  });

  it('deploys the functions on that major and bundles for it', () => {
    const serverless = read('serverless.yml');
    expect(serverless).toMatch(new RegExp(`^  runtime: nodejs${LAMBDA_MAJOR}\\.x$`, 'm'));
    expect(serverless).toMatch(new RegExp(`^    target: node${LAMBDA_MAJOR}$`, 'm'));
    expect(read('scripts/build-cli.mjs')).toContain(`target: 'node${LAMBDA_MAJOR}'`);
  });

  it('pins that major in package.json: engines, the node binary and its types', () => {
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toBe(`>=${LAMBDA_MAJOR}`);
    expect(pkg.devDependencies['node']).toMatch(new RegExp(`^\\^${LAMBDA_MAJOR}\\.`));
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${LAMBDA_MAJOR}\\.`));
  });
});
