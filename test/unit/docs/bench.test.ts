import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_BLOCK, readBenchResults, renderBenchMarkdown } from '../../../scripts/bench-report.js';
import { expectGeneratedBlock } from '../../support/generated-docs.js';

/**
 * The README's benchmark block is what `npm run bench` measured: the rendering of the committed
 * bench-results/bench.json, never typed by hand. `npm run bench` rewrites both.
 */
const README = new URL('../../../README.md', import.meta.url);

describe('README benchmarks', () => {
  it('shows exactly the committed bench results', () => {
    expectGeneratedBlock(
      README,
      BENCH_BLOCK.name,
      BENCH_BLOCK.testFile,
      renderBenchMarkdown(readBenchResults()),
    );
  });

  it('has every goal of the bench with a measured value and a verdict', () => {
    const { goals, figures } = readBenchResults();
    expect(goals.map((goal) => goal.goal)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('`chdr --help`'),
        expect.stringContaining('cold `chdr check`'),
        expect.stringContaining('warm cycle'),
        expect.stringContaining('50-endpoint cycle'),
        expect.stringContaining('bundle size `functions/monitor`'),
        expect.stringContaining('bundle size `functions/failover`'),
        expect.stringContaining('module init `functions/monitor`'),
        expect.stringContaining('module init `functions/failover`'),
      ]),
    );
    for (const goal of goals) expect(goal.measured, goal.goal).toMatch(/\d/);
    expect(figures.length).toBeGreaterThan(10);
  });

  it('keeps measured figures out of the README outside the generated block', () => {
    const readme = readFileSync(README, 'utf8');
    const outside = readme.replace(/<!-- BEGIN GENERATED: bench[\s\S]*<!-- END GENERATED: bench -->/, '');
    const benchmarks = outside.slice(outside.indexOf('## Benchmarks'), outside.indexOf('## Troubleshooting'));
    expect(benchmarks).not.toMatch(/\d+(\.\d+)? ?(ms|s|KiB|MiB|MB)\b/);
  });
});
