import { describe, expect, it } from 'vitest';
import { costModel, lambdaCost } from '../../../lib/metrics/index.js';
import { referenceTopology } from './reports.js';

const cycle = { cycleCpuMs: 20, cycleWallMs: 50 };

describe('lambdaCost', () => {
  it('bills the measured wall time at a full vCPU (1,769 MB)', () => {
    const cost = lambdaCost(referenceTopology(), { ...cycle, memoryMb: 1769, architecture: 'arm64' });

    expect(cost.billedMsPerCycle).toBe(50);
    expect(cost.invocationsPerMonth).toBe(43_800);
  });

  it('stretches only the CPU time below a full vCPU: 256 MB gets about a seventh of one', () => {
    const cost = lambdaCost(referenceTopology(), { ...cycle, memoryMb: 256, architecture: 'arm64' });

    // 50 ms + 20 ms × (1769 / 256 − 1) = 50 + 118.2
    expect(cost.billedMsPerCycle).toBe(169);
    expect(cost.gbSecondsPerMonth).toBe(Math.round((43_800 * 169 * 256) / 1000 / 1024));
    expect(cost.usd.requests).toBe(0.01);
    expect(cost.usd.total).toBeCloseTo(cost.usd.requests + cost.usd.compute, 2);
  });

  it('prices x86_64 above arm64 for the same cycle', () => {
    const arm = lambdaCost(referenceTopology(), { ...cycle, memoryMb: 2048, architecture: 'arm64' });
    const x86 = lambdaCost(referenceTopology(), { ...cycle, memoryMb: 2048, architecture: 'x86_64' });

    expect(x86.usd.compute).toBeGreaterThan(arm.usd.compute);
  });

  it('adds the monitor Lambda to each site of the cost model when a cycle is given', () => {
    const lambda = { ...cycle, memoryMb: 256, architecture: 'arm64' as const };
    const without = costModel(referenceTopology());
    const withLambda = costModel(referenceTopology(), { lambda });

    for (const [i, site] of withLambda.sites.entries()) {
      expect(site.usd.lambda).toBe(lambdaCost(referenceTopology(), lambda).usd.total);
      expect(site.usd.total).toBeCloseTo(without.sites[i]!.usd.total + site.usd.lambda, 2);
    }
  });
});
