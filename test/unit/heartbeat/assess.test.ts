import { findCheck } from '../../../lib/health/index.js';
import { describe, expect, it } from 'vitest';
import {
  assessHeartbeat,
  emptyHeartbeatMemory,
  HEARTBEAT_LAG_METHOD,
  parseHeartbeatMemory,
  type HeartbeatAssessInput,
  type HeartbeatMemory,
  type HeartbeatReading,
} from '../../../lib/heartbeat/index.js';
import { PROBE_FAILURES, type ProbeResult } from '../../../lib/probe/index.js';
import { manualClock } from '../clickhouse/fake-connection.js';

const thresholds = { heartbeatLagWarnSeconds: 120, heartbeatLagCriticalSeconds: 300, stalledCycles: 2 };
const NOW = 1_776_680_102;

const read = (serverNow: number, rows: Record<string, number>): ProbeResult<HeartbeatReading> => ({
  ok: true,
  value: {
    serverNow,
    rows: Object.entries(rows).map(([siteId, lastUpdatedAt]) => ({ siteId, lastUpdatedAt })),
  },
  elapsedMs: 4,
});

const input = (overrides: Partial<HeartbeatAssessInput>): HeartbeatAssessInput => ({
  selfSite: 'primary',
  sources: ['standby'],
  read: read(NOW, { primary: NOW, standby: NOW - 12 }),
  write: { ok: true, value: { writtenAt: NOW * 1000, createdTable: false }, elapsedMs: 9 },
  previous: undefined,
  thresholds,
  clock: manualClock(NOW * 1000),
  ...overrides,
});

const lagCheck = (checks: ReturnType<typeof assessHeartbeat>['checks'], source = 'standby') =>
  findCheck(checks, 'heartbeat-lag', source)!;

describe('assessHeartbeat', () => {
  it('is ok when the write worked and the other site’s heartbeat is fresh', () => {
    const { checks, memory } = assessHeartbeat(input({}));

    expect(checks).toEqual([
      {
        kind: 'heartbeat-write',
        site: 'primary',
        subject: 'primary',
        status: 'ok',
        summary: 'heartbeat of primary written in 9 ms',
        values: { outcome: 'ok', elapsedMs: 9, writtenAt: NOW * 1000, createdTable: false, reason: null },
      },
      {
        kind: 'heartbeat-lag',
        site: 'primary',
        subject: 'standby',
        status: 'ok',
        summary: 'heartbeat from standby is 12 s old on primary',
        values: {
          outcome: 'ok',
          lagSeconds: 12,
          unchangedCycles: 0,
          lastUpdatedAt: NOW - 12,
          serverNow: NOW,
          method: HEARTBEAT_LAG_METHOD,
        },
      },
    ]);
    expect(memory).toEqual({
      version: 1,
      sources: { standby: { lastUpdatedAt: NOW - 12, unchangedCycles: 0, firstReadAt: NOW * 1000 } },
    });
  });

  it('warns past the warn threshold and goes critical past the critical one', () => {
    const warn = lagCheck(assessHeartbeat(input({ read: read(NOW, { standby: NOW - 150 }) })).checks);
    const critical = lagCheck(assessHeartbeat(input({ read: read(NOW, { standby: NOW - 301 }) })).checks);

    expect(warn).toMatchObject({ status: 'warn', values: { outcome: 'lagging', lagSeconds: 150 } });
    expect(warn.summary).toBe(
      'heartbeat from standby is 150 s old on primary (warn ≥ 120 s) — replication from standby is behind or standby stopped writing',
    );
    expect(critical).toMatchObject({ status: 'critical', values: { outcome: 'lagging', lagSeconds: 301 } });
  });

  it('only warns about a site never seen on the first cycle, when both sites may be writing their first row', () => {
    const { checks } = assessHeartbeat(input({ read: read(NOW, { primary: NOW }), previous: undefined }));
    expect(lagCheck(checks)).toMatchObject({ status: 'warn', values: { outcome: 'never-seen' } });
  });

  it('calls a site whose heartbeat never arrived critical "never seen", not zero lag', () => {
    const { checks, memory } = assessHeartbeat(
      input({ read: read(NOW, { primary: NOW }), previous: emptyHeartbeatMemory() }),
    );
    expect(lagCheck(checks)).toMatchObject({
      status: 'critical',
      values: { outcome: 'never-seen', lagSeconds: null, lastUpdatedAt: null, serverNow: NOW },
    });
    expect(lagCheck(checks).summary).toMatch(/^heartbeat from standby never seen on primary — /);
    expect(memory.sources).toEqual({});
  });

  it('explains a write refused because the table is readonly', () => {
    const { checks } = assessHeartbeat(
      input({
        write: {
          ok: false,
          code: PROBE_FAILURES.serverError,
          reason:
            'heartbeat write for primary failed: statement on http://ch1:8123 as chdr: Table is in readonly mode (TABLE_IS_READ_ONLY, code 242)',
          elapsedMs: 30,
          serverErrorType: 'TABLE_IS_READ_ONLY',
        },
      }),
    );
    expect(checks[0]).toMatchObject({
      kind: 'heartbeat-write',
      status: 'critical',
      summary: 'heartbeat write failed: table is readonly (TABLE_IS_READ_ONLY) — coordination has no quorum?',
      values: { outcome: 'TABLE_IS_READ_ONLY' },
    });
  });

  it('tells the other write failures apart', () => {
    const summary = (
      serverErrorType: string | undefined,
      code: (typeof PROBE_FAILURES)[keyof typeof PROBE_FAILURES],
    ) =>
      assessHeartbeat(
        input({
          write: {
            ok: false,
            code,
            reason: 'r',
            elapsedMs: 1,
            ...(serverErrorType ? { serverErrorType } : {}),
          },
        }),
      ).checks[0]?.summary;
    expect(summary('NO_ZOOKEEPER', PROBE_FAILURES.serverError)).toMatch(
      /^heartbeat write failed: no ZooKeeper\/Keeper session \(NO_ZOOKEEPER\)/,
    );
    expect(summary('UNKNOWN_STATUS_OF_INSERT', PROBE_FAILURES.serverError)).toMatch(
      /insert outcome unknown \(UNKNOWN_STATUS_OF_INSERT\)/,
    );
    expect(summary('TIMEOUT_EXCEEDED', PROBE_FAILURES.timeout)).toMatch(
      /server timed out \(TIMEOUT_EXCEEDED\)/,
    );
    expect(summary(undefined, PROBE_FAILURES.timeout)).toBe(
      'heartbeat write failed: no reply in time — server overloaded or network slow?',
    );
  });

  it('turns a failed read into a critical outcome of its own and keeps the memory as it was', () => {
    const previous: HeartbeatMemory = {
      version: 1,
      sources: { standby: { lastUpdatedAt: NOW - 60, unchangedCycles: 1, firstReadAt: 5 } },
    };
    const { checks, memory } = assessHeartbeat(
      input({ read: { ok: false, code: PROBE_FAILURES.refused, reason: 'refused', elapsedMs: 1 }, previous }),
    );
    expect(lagCheck(checks)).toMatchObject({
      status: 'critical',
      summary:
        'heartbeat from standby unknown: read on primary failed: connection refused — is clickhouse-server running?',
      values: { outcome: 'read-failed', lagSeconds: null, unchangedCycles: 1, lastUpdatedAt: NOW - 60 },
    });
    expect(memory).toEqual(previous);
  });

  it('flags a stall on its own clock even when the lag looks small (writer clock ahead)', () => {
    const clock = manualClock(NOW * 1000);
    // The standby's clock runs 100 s ahead, then its writer stops: lag reads -90, -30, +30, ... s.
    const stamped = NOW + 90;
    let memory: HeartbeatMemory | undefined;
    const outcomes: [string, string, number | null][] = [];
    for (let cycle = 0; cycle <= 5; cycle++) {
      const result = assessHeartbeat(
        input({ read: read(NOW + cycle * 60, { standby: stamped }), previous: memory, clock }),
      );
      memory = result.memory;
      const check = lagCheck(result.checks);
      outcomes.push([check.status, String(check.values.outcome), check.values.unchangedCycles as number]);
      if (cycle < 5) clock.advance(60_000);
    }
    // Unchanged for 120 s (warn) on the reader's clock after two cycles, 300 s (critical) after five.
    expect(outcomes).toEqual([
      ['warn', 'clock-skew', 0],
      ['ok', 'ok', 1],
      ['warn', 'stalled', 2],
      ['warn', 'stalled', 3],
      ['warn', 'stalled', 4],
      ['critical', 'stalled', 5],
    ]);
    const stalled = lagCheck(
      assessHeartbeat(input({ read: read(NOW + 300, { standby: stamped }), previous: memory, clock })).checks,
    );
    expect(stalled.summary).toMatch(
      /^heartbeat from standby stalled: unchanged for 6 cycles, 300 s on primary's clock \(lag reads 210 s\) — /,
    );
  });

  it('does not call a row stalled when cycles come faster than its one-second resolution', () => {
    const clock = manualClock(NOW * 1000);
    let memory: HeartbeatMemory | undefined;
    let status = 'ok';
    for (let cycle = 0; cycle < 5; cycle++) {
      const result = assessHeartbeat(
        input({ read: read(NOW, { standby: NOW - 1 }), previous: memory, clock }),
      );
      memory = result.memory;
      status = lagCheck(result.checks).status;
      clock.advance(200);
    }
    expect(memory!.sources['standby']!.unchangedCycles).toBe(4);
    expect(status).toBe('ok');
  });

  it('resets the stall count as soon as the heartbeat moves again', () => {
    const previous: HeartbeatMemory = {
      version: 1,
      sources: { standby: { lastUpdatedAt: NOW - 70, unchangedCycles: 5, firstReadAt: 1 } },
    };
    const { checks, memory } = assessHeartbeat(input({ read: read(NOW, { standby: NOW - 10 }), previous }));
    expect(lagCheck(checks)).toMatchObject({ status: 'ok', values: { unchangedCycles: 0, lagSeconds: 10 } });
    expect(memory.sources['standby']).toEqual({
      lastUpdatedAt: NOW - 10,
      unchangedCycles: 0,
      firstReadAt: NOW * 1000,
    });
  });

  it('checks every source site and forgets sites no longer listed', () => {
    const previous: HeartbeatMemory = {
      version: 1,
      sources: { gone: { lastUpdatedAt: 1, unchangedCycles: 0, firstReadAt: 1 } },
    };
    const { checks, memory } = assessHeartbeat(
      input({
        sources: ['standby', 'dr2'],
        read: read(NOW, { standby: NOW - 5, dr2: NOW - 400 }),
        write: undefined,
        previous,
      }),
    );
    expect(checks.map((check) => [check.kind, check.subject, check.status])).toEqual([
      ['heartbeat-lag', 'standby', 'ok'],
      ['heartbeat-lag', 'dr2', 'critical'],
    ]);
    expect(Object.keys(memory.sources)).toEqual(['standby', 'dr2']);
  });

  it('keeps its memory as plain JSON that reads back the same', () => {
    const { memory, checks } = assessHeartbeat(input({}));
    const stored = JSON.parse(JSON.stringify(memory)) as unknown;
    expect(parseHeartbeatMemory(stored)).toEqual(memory);
    expect(JSON.parse(JSON.stringify(checks))).toEqual(checks);
    expect(parseHeartbeatMemory({ version: 99, sources: {} })).toBeUndefined();
    expect(parseHeartbeatMemory('garbage')).toBeUndefined();
    const version = (stored as { version: number }).version;
    const source = { lastUpdatedAt: 5, unchangedCycles: 0, firstReadAt: 1 };
    expect(parseHeartbeatMemory({ version, sources: { a: source } })).toEqual({
      version,
      sources: { a: source },
    });
    expect(
      parseHeartbeatMemory({ version, sources: { a: { ...source, unchangedCycles: -1 } } }),
    ).toBeUndefined();
    expect(parseHeartbeatMemory({ version, sources: { a: { lastUpdatedAt: 5 } } })).toBeUndefined();
  });
});
