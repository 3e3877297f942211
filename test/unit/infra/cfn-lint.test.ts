import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { referenceTopology } from '../metrics/reports.js';
import { packageStack } from './package.js';

/**
 * cfn-lint (installed into .chdr/venv by scripts/install-deps.sh) on the template `serverless package`
 * writes for each site of the reference topology: no error and no warning, so a template CloudFormation
 * would reject, or one with a smell, fails the suite before any deployment.
 */

const CFN_LINT = new URL('../../../.chdr/venv/bin/cfn-lint', import.meta.url).pathname;

interface LintResult {
  code: number;
  output: string;
}

const cfnLint = async (templatePath: string): Promise<LintResult> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(CFN_LINT, ['--format', 'parseable', templatePath], {
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
};

describe('cfn-lint on the packaged templates', () => {
  it('finds cfn-lint in the project venv', () => {
    expect(existsSync(CFN_LINT), `${CFN_LINT} missing: run bash scripts/install-deps.sh`).toBe(true);
  });

  for (const site of referenceTopology().sites) {
    it(`passes the ${site.name} site's template with no error and no warning`, async () => {
      const { templateText } = await packageStack(site.name, site.region);
      const dir = await mkdtemp(join(tmpdir(), 'chdr-cfn-lint-'));
      try {
        const path = join(dir, `${site.name}.json`);
        await writeFile(path, templateText);
        const result = await cfnLint(path);
        // Exit code 0: no finding at all (cfn-lint sets bit 2 for errors, 4 for warnings, 8 for notes).
        expect(result.output).toBe('');
        expect(result.code).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 300_000);
  }
});
