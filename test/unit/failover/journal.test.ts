import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_EXCERPT_CHARS } from '../../../lib/failover/constants.js';
import { stepOutput } from '../../../lib/failover/journal.js';

describe('a step output in the journal', () => {
  it('keeps the findings whole when a long transcript of commands is cut', () => {
    const transcript = Array.from({ length: 60 }, (_, i) => `$ [ch${i}] ${'x'.repeat(80)}`);
    const finding = `ch1 default.orders: 500 rows in 1 parts unknown to the new ensemble ${'y'.repeat(1500)}`;

    const output = stepOutput(transcript, [finding, 'ch2 default.orders: 9 rows']);

    expect(output).toMatch(/…\[\d+ chars cut\]…/);
    expect(output.endsWith(`${finding}\nch2 default.orders: 9 rows`)).toBe(true);
    expect(output.length).toBeLessThan(MAX_OUTPUT_EXCERPT_CHARS + finding.length + 100);
  });

  it('cuts findings longer than their own budget, keeping both ends', () => {
    const findings = Array.from({ length: 400 }, (_, i) => `table t${i}: ${'z'.repeat(40)}`);

    const output = stepOutput([], findings);

    expect(output.startsWith('table t0:')).toBe(true);
    expect(output.endsWith(findings.at(-1)!)).toBe(true);
    expect(output).toMatch(/chars cut/);
    expect(output.length).toBeLessThan(findings.join('\n').length);
  });
});
