import { describe, expect, it } from 'vitest';
import { connectivityCost, connectivityMarkdown, costModel } from '../../../lib/metrics/index.js';
import { expectGeneratedBlock } from '../../support/generated-docs.js';
import { referenceTopology } from './reports.js';

const DOCS = new URL('../../../docs/metrics.md', import.meta.url);

describe('what the template costs beyond CloudWatch', () => {
  it('counts a NAT gateway per AZ: the verdict goes to the other region’s table, which no endpoint reaches', () => {
    const [primary, standby] = connectivityCost(referenceTopology(), 2);

    for (const site of [primary!, standby!]) {
      expect(site.needsNat[0]).toContain("other region's DynamoDB table");
      expect(site.usd).toBe(site.natUsd);
      expect(site.natUsd).toBeCloseTo(2 * 0.045 * 730, 2);
    }
    expect(primary!.interfaceEndpoints).toEqual(expect.arrayContaining(['monitoring', 'sns', 'logs', 'ssm']));
  });

  it('counts one dashboard for both regions, in the standby’s stack', () => {
    const { sites } = costModel(referenceTopology());

    expect(sites.map((site) => [site.site, site.dashboards])).toEqual([
      ['primary', 0],
      ['standby', 1],
    ]);
  });

  it('shows the connectivity in docs/metrics.md as the code computes it', () => {
    expectGeneratedBlock(
      DOCS,
      'connectivity',
      'test/unit/metrics/connectivity.test.ts',
      connectivityMarkdown(referenceTopology()),
    );
  });
});
