import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIRST_STEPS } from '../../../lib/alerts/index.js';
import { RUNBOOK, catalogMarkdown, costModel } from '../../../lib/metrics/index.js';
import { monitorFunctionSize, readBenchResults } from '../../../scripts/bench-report.js';
import { expectGeneratedBlock } from '../../support/generated-docs.js';
import { referenceTopology } from './reports.js';

/**
 * docs/metrics.md carries the catalog, the alarms and the cost model as generated from the code, with the
 * monitor Lambda priced from the cycle `npm run bench` measured (bench-results/bench.json) at the size
 * serverless.yml gives the function. When this test fails after a catalog change, regenerate the block with:
 *   CHDR_UPDATE_DOCS=1 npx vitest run --project unit test/unit/metrics/docs.test.ts
 */
const DOCS = new URL('../../../docs/metrics.md', import.meta.url);
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorsOf = (markdown: string): Set<string> =>
  new Set(
    [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) =>
      match[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );

describe('docs/metrics.md', () => {
  it('shows the catalog, alarms and cost model exactly as the code computes them', () => {
    expectGeneratedBlock(
      DOCS,
      'catalog',
      'test/unit/metrics/docs.test.ts',
      catalogMarkdown(referenceTopology(), {
        lambda: { ...monitorFunctionSize(), ...readBenchResults().cycle },
      }),
    );
  });

  it('keeps the reference topology under 30 custom metrics per region', () => {
    for (const site of costModel(referenceTopology()).sites) expect(site.series, site.site).toBeLessThan(30);
  });

  it('has a runbook section for every anchor that alarms and pages link to', () => {
    const anchors = anchorsOf(readFileSync(DOCS, 'utf8'));

    for (const anchor of [
      ...Object.values(RUNBOOK),
      ...Object.values(FIRST_STEPS).map((step) => step.anchor),
    ]) {
      expect(anchors, anchor).toContain(anchor);
    }
  });
});
