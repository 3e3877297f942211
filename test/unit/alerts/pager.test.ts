import { describe, expect, it } from 'vitest';
import {
  MemoryNotifier,
  Pager,
  Pauses,
  type Notification,
  type Notifier,
} from '../../../lib/alerts/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { standbyReport } from '../metrics/reports.js';

const START = Date.parse('2025-11-23T02:51:00Z');

const setup = (options: { repageMinutes?: number; notifier?: Notifier } = {}) => {
  let now = START;
  const clock = { now: () => now };
  const store = new MemoryStateStore(clock);
  const memory = new MemoryNotifier();
  const pager = new Pager({
    store,
    notifier: options.notifier ?? memory,
    clock,
    repageMinutes: options.repageMinutes ?? 60,
    // These cases are about transitions; confirmation over cycles has its own tests (incident.test.ts).
    confirmCycles: 1,
    confirmSeconds: 0,
  });
  const advance = (minutes: number) => {
    now += minutes * 60_000;
  };
  return { pager, store, clock, sent: memory.sent, memory, advance };
};

const lagging = () => standbyReport({ lagSeconds: 412 });
const healthy = () => standbyReport();

describe('Pager', () => {
  it('pages once when the standby’s lag from the primary turns critical', async () => {
    const { pager, sent } = setup();

    const result = await pager.process(lagging());

    expect(result.sent).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('[CRITICAL] analytics/standby heartbeat-lag from primary');
    expect(sent[0]!.attributes).toMatchObject({ event: 'critical', cluster: 'analytics', site: 'standby' });
  });

  it('does not page again on the next cycles while it stays critical', async () => {
    const { pager, sent, advance } = setup();
    await pager.process(lagging());

    for (let i = 0; i < 5; i += 1) {
      advance(1);
      await pager.process(lagging());
    }

    expect(sent).toHaveLength(1);
  });

  it('re-pages after repageMinutes, not before', async () => {
    const { pager, sent, advance } = setup({ repageMinutes: 30 });
    await pager.process(lagging());

    advance(29);
    await pager.process(lagging());
    expect(sent).toHaveLength(1);

    advance(1);
    await pager.process(lagging());
    expect(sent).toHaveLength(2);
    expect(sent[1]!.subject).toBe('[STILL CRITICAL] analytics/standby heartbeat-lag from primary for 30 min');
    expect(sent[1]!.body).toContain('page 2');
  });

  it('sends one resolved message when it clears, then nothing', async () => {
    const { pager, sent, advance } = setup();
    await pager.process(lagging());
    advance(7);

    await pager.process(healthy());
    advance(1);
    await pager.process(healthy());

    expect(sent.map((n) => n.attributes.event)).toEqual(['critical', 'resolved']);
    expect(sent[1]!.subject).toBe('[RESOLVED] analytics/standby heartbeat-lag from primary after 7 min');
    expect(sent[1]!.body).toContain('critical from 2025-11-23T02:51:00.000Z to 2025-11-23T02:58:00.000Z');
  });

  it('treats a drop to warn as cleared', async () => {
    const { pager, sent, advance } = setup();
    await pager.process(lagging());
    advance(2);

    await pager.process(standbyReport({ lagSeconds: 150 }));

    expect(sent.map((n) => n.attributes.event)).toEqual(['critical', 'resolved']);
  });

  it('puts every check that turned critical in the same cycle into one page', async () => {
    const { pager, sent } = setup();

    await pager.process(standbyReport({ lagSeconds: 412, quorum: false }));

    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toMatch(/^\[CRITICAL\] analytics\/standby coordination leader \(\+\d+ more\)$/);
    const checks = sent[0]!.attributes['checks'] as { kind: string }[];
    expect(checks.map((c) => c.kind)).toContain('heartbeat-lag');
  });

  it('pages once when two invocations process the same report at the same time', async () => {
    const { store, clock } = setup();
    const notifier = new MemoryNotifier();
    const a = new Pager({ store, notifier, clock, confirmCycles: 1, confirmSeconds: 0 });
    const b = new Pager({ store, notifier, clock, confirmCycles: 1, confirmSeconds: 0 });

    const results = await Promise.all([a.process(lagging()), b.process(lagging())]);

    expect(notifier.sent).toHaveLength(1);
    expect(results.flatMap((r) => r.outcomes)).toHaveLength(1);
  });

  it('gives the transition back when SNS fails, so that the next cycle pages', async () => {
    let failing = true;
    const delivered: Notification[] = [];
    const flaky: Notifier = {
      notify: async (notification) => {
        if (failing) throw new Error('SNS down');
        delivered.push(notification);
      },
    };
    const { pager, advance } = setup({ notifier: flaky });

    await expect(pager.process(lagging())).rejects.toMatchObject({ code: 'ALERTS_NOTIFY_FAILED' });
    failing = false;
    advance(1);
    await pager.process(lagging());

    expect(delivered.map((n) => n.attributes.event)).toEqual(['critical']);
  });

  it('sends nothing for a paused site while its cycles go on, and pages after the pause ends', async () => {
    const { pager, store, clock, sent, advance } = setup();
    const pauses = new Pauses({ store, notifier: new MemoryNotifier(), cluster: 'analytics', clock });
    await pauses.pauseSite('standby', new Date(START + 30 * 60_000), 'replacing keeper-usw2-a', 'alice');

    const during = await pager.process(lagging());
    advance(10);
    await pager.process(lagging());
    expect(during.paused).toMatchObject({ who: 'alice' });
    expect(sent).toHaveLength(0);

    advance(25);
    await pager.process(lagging());
    expect(sent.map((n) => n.attributes.event)).toEqual(['pause-ended', 'critical']);
  });

  it('keeps open problems per site: the primary’s pages do not clear the standby’s', async () => {
    const { pager, sent } = setup();
    await pager.process(lagging());

    await pager.process(standbyReport({ site: 'primary' }));

    expect(sent).toHaveLength(1);
    expect(await pager.openProblems('analytics', 'standby')).toHaveLength(1);
  });
});
