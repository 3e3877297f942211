import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { generatedBlockOf, withGeneratedBlock } from '../../scripts/generated-block.js';

/**
 * Docs that carry a block generated from the code: the test fails when the block is stale, and
 * `CHDR_UPDATE_DOCS=1` rewrites it instead (then review and commit the diff).
 */
export const expectGeneratedBlock = (file: URL, name: string, testFile: string, expected: string): void => {
  const docs = readFileSync(file, 'utf8');
  const actual = generatedBlockOf(docs, name, testFile);
  expect(actual, `the generated block markers for ${name} are missing in ${file.pathname}`).toBeDefined();
  if (actual !== expected && process.env['CHDR_UPDATE_DOCS'] === '1') {
    writeFileSync(file, withGeneratedBlock(docs, name, testFile, expected));
    return;
  }
  expect(actual, `stale: run CHDR_UPDATE_DOCS=1 npx vitest run --project unit ${testFile}`).toBe(expected);
};
