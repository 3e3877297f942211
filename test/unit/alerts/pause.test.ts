import { describe, expect, it } from 'vitest';
import { MemoryNotifier, Pauses } from '../../../lib/alerts/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';

const START = Date.parse('2025-11-23T10:00:00Z');

const setup = () => {
  let now = START;
  const clock = { now: () => now };
  const store = new MemoryStateStore(clock);
  const notifier = new MemoryNotifier();
  const pauses = new Pauses({ store, notifier, cluster: 'analytics', clock });
  return { pauses, notifier, store, advance: (minutes: number) => (now += minutes * 60_000) };
};

describe('Pauses', () => {
  it('pauses a site and sends one notice saying who, why and until when', async () => {
    const { pauses, notifier } = setup();

    const pause = await pauses.pauseSite('standby', '2025-11-23T12:00:00Z', 'Keeper upgrade', 'alice');

    expect(pause).toMatchObject({
      site: 'standby',
      until: '2025-11-23T12:00:00.000Z',
      who: 'alice',
      reason: 'Keeper upgrade',
    });
    expect(await pauses.activePause('standby')).toEqual(pause);
    expect(await pauses.activePause('primary')).toBeUndefined();
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]!.subject).toBe(
      '[PAUSED] analytics/standby until 2025-11-23T12:00:00.000Z by alice',
    );
    expect(notifier.sent[0]!.body).toContain('Why:    Keeper upgrade');
    expect(notifier.sent[0]!.body).toContain('every metric is still published');
  });

  it('ends by itself at --until and says so once, even when asked twice', async () => {
    const { pauses, notifier, advance } = setup();
    await pauses.pauseSite('standby', new Date(START + 60 * 60_000), 'drill', 'bob');
    advance(61);

    const [first, second] = await Promise.all([pauses.activePause('standby'), pauses.activePause('standby')]);

    expect(first).toBeUndefined();
    expect(second).toBeUndefined();
    expect(notifier.sent.map((n) => n.attributes.event)).toEqual(['paused', 'pause-ended']);
    expect(await pauses.listPauses()).toEqual([]);
  });

  it('resumes early with a notice naming who resumed', async () => {
    const { pauses, notifier } = setup();
    await pauses.pauseSite('standby', new Date(START + 60 * 60_000), 'drill', 'bob');

    expect(await pauses.resumeSite('standby', 'carol')).toBe(true);
    expect(await pauses.resumeSite('standby', 'carol')).toBe(false);

    expect(notifier.sent.map((n) => n.subject)).toEqual([
      expect.stringMatching(/^\[PAUSED\]/),
      '[RESUMED] analytics/standby by carol',
    ]);
    expect(await pauses.activePause('standby')).toBeUndefined();
  });

  it('refuses a pause that ends in the past or has no reason', async () => {
    const { pauses } = setup();

    await expect(pauses.pauseSite('standby', new Date(START - 1), 'x', 'a')).rejects.toMatchObject({
      code: 'ALERTS_BAD_PAUSE',
    });
    await expect(pauses.pauseSite('standby', 'tomorrow-ish', 'x', 'a')).rejects.toMatchObject({
      code: 'ALERTS_BAD_PAUSE',
    });
    await expect(pauses.pauseSite('standby', new Date(START + 60_000), ' ', 'a')).rejects.toMatchObject({
      code: 'ALERTS_BAD_PAUSE',
    });
  });

  it('lists the pauses in force for chdr status', async () => {
    const { pauses } = setup();
    await pauses.pauseSite('standby', new Date(START + 60_000 * 30), 'a', 'x');
    await pauses.pauseSite('primary', new Date(START + 60_000 * 90), 'b', 'y');

    expect((await pauses.listPauses()).map((p) => p.site)).toEqual(['primary', 'standby']);
  });
});
