import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Docs that carry a block generated from the code: the test fails when the block is stale, and
 * `CHDR_UPDATE_DOCS=1` rewrites it instead (then review and commit the diff).
 */
export const expectGeneratedBlock = (file: URL, name: string, testFile: string, expected: string): void => {
  const begin = `<!-- BEGIN GENERATED: ${name} (${testFile}) -->\n<!-- prettier-ignore-start -->\n`;
  const end = `\n<!-- prettier-ignore-end -->\n<!-- END GENERATED: ${name} -->`;
  const docs = readFileSync(file, 'utf8');
  const start = docs.indexOf(begin);
  const stop = docs.indexOf(end);
  expect(
    start,
    `the generated block markers for ${name} are missing in ${file.pathname}`,
  ).toBeGreaterThanOrEqual(0);
  const actual = docs.slice(start + begin.length, stop);
  if (actual !== expected && process.env['CHDR_UPDATE_DOCS'] === '1') {
    writeFileSync(file, docs.slice(0, start + begin.length) + expected + docs.slice(stop));
    return;
  }
  expect(actual, `stale: run CHDR_UPDATE_DOCS=1 npx vitest run --project unit ${testFile}`).toBe(expected);
};
