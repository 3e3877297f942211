import { describe, expect, it } from 'vitest';
import { MemoryNotifier, Pager, type PagingResult, type PeerView } from '../../../lib/alerts/index.js';
import { MemoryStateStore } from '../../../lib/state/index.js';
import { check, standbyReport } from '../metrics/reports.js';

const START = Date.parse('2025-11-23T02:51:00Z');

const setup = () => {
  let now = START;
  const clock = { now: () => now };
  const store = new MemoryStateStore(clock);
  const notifier = new MemoryNotifier();
  const pager = new Pager({ store, notifier, clock, confirmCycles: 2 });
  return { pager, store, clock, notifier, sent: notifier.sent, tick: () => (now += 60_000) };
};

const events = (sent: MemoryNotifier['sent']) => sent.map((n) => n.attributes.event);

/** What an agent's verdict tells the other agent after a cycle. */
const peerOf = (site: string, owner: boolean, result: PagingResult, fresh = true): PeerView => ({
  site,
  owner,
  fresh,
  open: result.open,
  pending: result.pending,
});

describe('incidents', () => {
  it('a condition seen in one cycle only (a slow probe, a leader election) pages nothing', async () => {
    const { pager, sent, tick } = setup();

    await pager.process(standbyReport({ quorum: false }));
    tick();
    await pager.process(standbyReport());
    tick();
    await pager.process(standbyReport());

    expect(sent).toEqual([]);
  });

  it('a condition over several quick cycles but shorter than confirmSeconds (a leader election) pages nothing', async () => {
    let now = START;
    const clock = { now: () => now };
    const notifier = new MemoryNotifier();
    const pager = new Pager({
      store: new MemoryStateStore(clock),
      notifier,
      clock,
      confirmCycles: 2,
      confirmSeconds: 20,
    });

    for (let second = 0; second < 14; second += 2) {
      now = START + second * 1000;
      await pager.process(standbyReport({ readonlyTables: 1, heartbeatWriteOk: false }));
    }
    now += 2_000;
    await pager.process(standbyReport());

    expect(notifier.sent).toEqual([]);
  });

  it('pages once the condition held for confirmCycles cycles', async () => {
    const { pager, sent, tick } = setup();

    const first = await pager.process(standbyReport({ lagSeconds: 412 }));
    tick();
    await pager.process(standbyReport({ lagSeconds: 412 }));

    expect(first.pending).toEqual(['site/primary']);
    expect(events(sent)).toEqual(['critical']);
  });

  it('a lost quorum is one incident: the write, lag and node checks it causes are listed in its one page and its one resolution', async () => {
    const { pager, sent, tick } = setup();
    const outage = () => standbyReport({ quorum: false, lagSeconds: 412, heartbeatWriteOk: false });

    await pager.process(outage());
    tick();
    await pager.process(outage());
    tick();
    await pager.process(outage());
    tick();
    // Quorum is back; the lag it caused takes a cycle longer to clear: still the same incident.
    await pager.process(standbyReport({ lagSeconds: 412 }));
    tick();
    await pager.process(standbyReport());

    expect(events(sent)).toEqual(['critical', 'resolved']);
    const listed = (sent[0]!.attributes['checks'] as { kind: string }[]).map((c) => c.kind);
    expect(listed).toEqual(
      expect.arrayContaining([
        'coordination-ensemble',
        'heartbeat-lag',
        'heartbeat-write',
        'coordination-node',
      ]),
    );
    expect(sent[0]!.attributes['incident']).toBe('coordination');
    expect(sent[1]!.body).toContain('heartbeat-lag from primary');
  });

  it('a per-table finding resolves when its check is no longer reported', async () => {
    const { pager, sent, tick } = setup();
    const withTable = () => {
      const report = standbyReport();
      return { ...report, checks: [...report.checks, check('replica-tables', 'ch3 db.events', 'critical')] };
    };

    await pager.process(withTable());
    tick();
    await pager.process(withTable());
    tick();
    await pager.process(standbyReport());

    expect(events(sent)).toEqual(['critical', 'resolved']);
    expect(sent[1]!.body).toContain('cleared (no longer reported)');
  });

  it('both agents see the lost quorum: the primary’s agent pages it once, the standby defers while its verdict is fresh', async () => {
    const primary = setup();
    const standby = setup();
    const outage = (site: string) => standbyReport({ site, quorum: false });
    let primaryResult: PagingResult | undefined;
    let standbyResult: PagingResult | undefined;

    for (const report of [outage, outage, outage, standbyReport, standbyReport]) {
      // Each reads the verdict the other left after its previous cycle.
      const [p, s] = await Promise.all([
        primary.pager.process(
          report === outage ? outage('primary') : standbyReport({ site: 'primary' }),
          standbyResult ? [peerOf('standby', false, standbyResult)] : [],
        ),
        standby.pager.process(
          report === outage ? outage('standby') : standbyReport(),
          primaryResult ? [peerOf('primary', true, primaryResult)] : [],
        ),
      ]);
      primaryResult = p;
      standbyResult = s;
      primary.tick();
      standby.tick();
    }

    expect(events(primary.sent)).toEqual(['critical', 'resolved']);
    expect(standby.sent).toEqual([]);
  });

  it('the standby pages alone when the primary’s agent is silent (its verdict is stale)', async () => {
    const standby = setup();
    const silent: PeerView = {
      site: 'primary',
      owner: true,
      fresh: false,
      open: [],
      pending: ['coordination'],
    };

    await standby.pager.process(standbyReport({ quorum: false }), [silent]);
    standby.tick();
    await standby.pager.process(standbyReport({ quorum: false }), [silent]);

    expect(events(standby.sent)).toEqual(['critical']);
  });

  it('a deferred incident is paged by the standby once the primary’s agent falls silent', async () => {
    const standby = setup();
    const primary = (fresh: boolean): PeerView => ({
      site: 'primary',
      owner: true,
      fresh,
      open: ['coordination'],
      pending: [],
    });

    await standby.pager.process(standbyReport({ quorum: false }), [primary(true)]);
    standby.tick();
    const deferred = await standby.pager.process(standbyReport({ quorum: false }), [primary(true)]);
    standby.tick();
    await standby.pager.process(standbyReport({ quorum: false }), [primary(false)]);

    expect(deferred.deferred).toEqual([{ incident: 'coordination', to: 'primary' }]);
    expect(events(standby.sent)).toEqual(['critical']);
  });
});
