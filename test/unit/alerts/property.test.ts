import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryNotifier, Pager } from '../../../lib/alerts/index.js';
import type { CheckStatus } from '../../../lib/health/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { check } from '../metrics/reports.js';

const REPAGE_MINUTES = 60;
const TTL_MINUTES = REPAGE_MINUTES + 60;

type Event = 'critical' | 'repeat' | 'resolved';

/**
 * What the pager should send, step by step: the specification as a small state machine. The stored state
 * is rewritten by every cycle that sees the incident critical, so it expires a TTL after the last of them.
 */
const model = (steps: readonly { status: CheckStatus; minutes: number }[]): Event[] => {
  const events: Event[] = [];
  let t = 0;
  let lastPaged: number | undefined;
  let lastWritten = 0;
  for (const step of steps) {
    t += step.minutes;
    if (lastPaged !== undefined && t - lastWritten >= TTL_MINUTES) lastPaged = undefined; // stale state expired
    if (step.status === 'critical') {
      if (lastPaged === undefined) {
        events.push('critical');
        lastPaged = t;
      } else if (t - lastPaged >= REPAGE_MINUTES) {
        events.push('repeat');
        lastPaged = t;
      }
      lastWritten = t;
    } else if (lastPaged !== undefined) {
      events.push('resolved');
      lastPaged = undefined;
    }
  }
  return events;
};

const run = async (steps: readonly { status: CheckStatus; minutes: number }[]): Promise<Event[]> => {
  let now = Date.parse('2025-11-23T00:00:00Z');
  const clock = { now: () => now };
  const notifier = new MemoryNotifier();
  const pager = new Pager({
    store: new MemoryStateStore(clock),
    notifier,
    clock,
    repageMinutes: REPAGE_MINUTES,
    confirmCycles: 1,
    confirmSeconds: 0,
  });
  for (const step of steps) {
    now += step.minutes * 60_000;
    await pager.process({
      cluster: 'c',
      site: 'standby',
      startedAt: new Date(now).toISOString(),
      durationMs: 10,
      checks: [check('heartbeat-lag', 'primary', step.status, { lagSeconds: 1 })],
    });
  }
  return notifier.sent.map((n) => n.attributes.event as Event);
};

const stepsWithGaps = (maxMinutes: number) =>
  fc.array(
    fc.record({
      status: fc.constantFrom<CheckStatus>('ok', 'warn', 'critical'),
      minutes: fc.integer({ min: 1, max: maxMinutes }),
    }),
    { maxLength: 40 },
  );

describe('paging, for any sequence of statuses', () => {
  it('pages at most once per transition to critical, re-pages at the interval, and resolves once', async () => {
    // Cycles less than an hour apart: the stored state never expires between two of them.
    await fc.assert(
      fc.asyncProperty(stepsWithGaps(59), async (steps) => {
        const events = await run(steps);

        expect(events).toEqual(model(steps));
        const transitions = steps.filter(
          (s, i) => s.status === 'critical' && (i === 0 || steps[i - 1]!.status !== 'critical'),
        ).length;
        expect(events.filter((e) => e === 'critical')).toHaveLength(transitions);
        expect(events.filter((e) => e === 'resolved').length).toBeLessThanOrEqual(transitions);
      }),
      { numRuns: 300 },
    );
  });

  it('after a long silence of the agent, forgets stale state and pages anew (never more often than the model)', async () => {
    await fc.assert(
      fc.asyncProperty(stepsWithGaps(180), async (steps) => {
        expect(await run(steps)).toEqual(model(steps));
      }),
      { numRuns: 200 },
    );
  });
});
