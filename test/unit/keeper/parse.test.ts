import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConf, parseIsro, parseMntr, parseRuok, parseSrvr } from '../../../lib/keeper/index.js';
import { fixture } from './support.js';

const valueOf = <T>(result: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!result.ok) throw new Error(`expected a parsed value, got: ${result.reason}`);
  return result.value;
};

describe('parseMntr on Keeper fixtures', () => {
  it('reads a 26.3 leader, including the four leader-only counts', () => {
    const mntr = valueOf(parseMntr(fixture('keeper/mntr-leader.txt')));

    expect(mntr).toMatchObject({
      serverState: 'leader',
      version: 'v26.3.10.62-lts-4b2f9d71c0e84a3a9d6e5f1c27b8a0d3e9f61c45',
      avgLatencyMs: 1,
      maxLatencyMs: 214,
      minLatencyMs: 0,
      outstandingRequests: 0,
      znodeCount: 186734,
      numAliveConnections: 18,
      learners: 3,
      followers: 2,
      syncedFollowers: 2,
      syncedNonVotingFollowers: 1,
    });
    expect(mntr.syncedObservers).toBeUndefined();
  });

  it('reads a 25.8 leader, whose leader block is only followers and synced_followers', () => {
    const mntr = valueOf(parseMntr(fixture('keeper/mntr-leader-25.8.txt')));

    expect(mntr).toMatchObject({
      serverState: 'leader',
      followers: 2,
      syncedFollowers: 2,
      znodeCount: 186102,
    });
    expect(mntr.version).toMatch(/^v25\.8\./);
    expect('learners' in mntr).toBe(false);
    expect('syncedNonVotingFollowers' in mntr).toBe(false);
  });

  it('reads a follower without leader-only counts', () => {
    const mntr = valueOf(parseMntr(fixture('keeper/mntr-follower.txt')));

    expect(mntr).toMatchObject({ serverState: 'follower', maxLatencyMs: 97, numAliveConnections: 3 });
    expect(mntr.followers).toBeUndefined();
    expect(mntr.syncedFollowers).toBeUndefined();
  });

  it('reads a learner as Keeper prints it: standalone', () => {
    const mntr = valueOf(parseMntr(fixture('keeper/mntr-observer.txt')));

    expect(mntr).toMatchObject({ serverState: 'standalone', maxLatencyMs: 41, numAliveConnections: 2 });
    expect(mntr.followers).toBeUndefined();
  });

  it('reads a one-node Keeper with its zeroed leader block', () => {
    const mntr = valueOf(parseMntr(fixture('keeper/mntr-standalone.txt')));

    expect(mntr).toMatchObject({
      serverState: 'standalone',
      znodeCount: 1482,
      followers: 0,
      syncedFollowers: 0,
      learners: 0,
    });
  });
});

describe('parseMntr on ZooKeeper 3.8 fixtures', () => {
  it('reads a leader: float average latency, learners and synced observers, no zk_followers', () => {
    const mntr = valueOf(parseMntr(fixture('zookeeper/mntr-leader.txt')));

    expect(mntr).toMatchObject({
      serverState: 'leader',
      version: '3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC',
      avgLatencyMs: 0.5123,
      maxLatencyMs: 5,
      outstandingRequests: 0,
      znodeCount: 222,
      numAliveConnections: 4,
      learners: 3,
      syncedFollowers: 2,
      syncedObservers: 1,
      syncedNonVotingFollowers: 0,
    });
    expect(mntr.followers).toBeUndefined();
    expect(Object.keys(mntr)).not.toContain('raw');
  });

  it('reads a follower', () => {
    const mntr = valueOf(parseMntr(fixture('zookeeper/mntr-follower.txt')));

    expect(mntr).toMatchObject({ serverState: 'follower', avgLatencyMs: 2.0518, maxLatencyMs: 17 });
    expect(mntr.learners).toBeUndefined();
  });

  it('reads an observer, which ZooKeeper names as such', () => {
    const mntr = valueOf(parseMntr(fixture('zookeeper/mntr-observer.txt')));

    expect(mntr).toMatchObject({ serverState: 'observer', avgLatencyMs: 0.6303 });
  });
});

describe('parseSrvr', () => {
  it('reads a Keeper leader: integer latencies and a plain-counter zxid', () => {
    const srvr = valueOf(parseSrvr(fixture('keeper/srvr-leader.txt')));

    expect(srvr).toMatchObject({
      version: 'v26.3.10.62-lts-4b2f9d71c0e84a3a9d6e5f1c27b8a0d3e9f61c45',
      mode: 'leader',
      zxid: 0x2f4c1c9n,
      zxidHex: '0x2f4c1c9',
      latency: { minMs: 0, avgMs: 1, maxMs: 214 },
      outstanding: 0,
      connections: 18,
      nodeCount: 186734,
    });
  });

  it('reads Keeper stat, skipping the client list', () => {
    const stat = valueOf(parseSrvr(fixture('keeper/stat-follower.txt')));

    expect(stat).toMatchObject({
      mode: 'follower',
      zxidHex: '0x2f4c1bb',
      connections: 3,
      latency: { maxMs: 97 },
    });
    expect(Object.keys(stat.raw).some((key) => key.includes('10.0.1.21'))).toBe(false);
  });

  it('reads a ZooKeeper leader: float average and an epoch-shifted zxid', () => {
    const srvr = valueOf(parseSrvr(fixture('zookeeper/srvr-leader.txt')));

    expect(srvr).toMatchObject({
      version: '3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC',
      mode: 'leader',
      zxid: 0x100000121n,
      latency: { minMs: 0, avgMs: 0.503, maxMs: 5 },
      nodeCount: 222,
    });
    expect(srvr.zxid >> 32n).toBe(1n);
    expect(srvr.raw['Proposal sizes last/min/max']).toBe('274/48/311');
  });

  it('reads ZooKeeper stat with its bracketed client lines', () => {
    const stat = valueOf(parseSrvr(fixture('zookeeper/stat-follower.txt')));

    expect(stat).toMatchObject({
      mode: 'follower',
      zxidHex: '0x100000121',
      latency: { avgMs: 2.0459 },
      connections: 4,
    });
  });

  it('accepts the decimal zxid of old Keeper versions', () => {
    const srvr = valueOf(
      parseSrvr(
        'ClickHouse Keeper version: v21.11.1.1\nLatency min/avg/max: 0/0/0\nZxid: 34\nMode: leader\n',
      ),
    );

    expect(srvr.zxid).toBe(34n);
    expect(srvr.zxidHex).toBe('0x22');
  });

  it('refuses a reply without Mode or with an unreadable Zxid', () => {
    expect(parseSrvr('Zxid: 0x1\nNode count: 3\n')).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('no Mode'),
    });
    expect(parseSrvr('Zxid: banana\nMode: leader\n')).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('Zxid'),
    });
    expect(parseSrvr('Latency min/avg/max: 0/x/1\nZxid: 0x1\nMode: leader\n')).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
    });
  });
});

describe('parseIsro, parseRuok and parseConf', () => {
  it('tells a Keeper learner (ro) from a voter (rw)', () => {
    expect(parseIsro(fixture('keeper/isro-observer.txt'))).toEqual({ ok: true, value: 'ro' });
    expect(parseIsro(fixture('keeper/isro-rw.txt'))).toEqual({ ok: true, value: 'rw' });
    expect(parseIsro(fixture('zookeeper/isro-rw.txt'))).toEqual({ ok: true, value: 'rw' });
  });

  it('reads ZooKeeper isro null as not serving', () => {
    expect(parseIsro(fixture('zookeeper/isro-not-serving.txt'))).toMatchObject({
      ok: false,
      code: 'NOT_SERVING',
    });
  });

  it('accepts imok from both servers and nothing else', () => {
    expect(parseRuok(fixture('keeper/ruok.txt'))).toEqual({ ok: true, value: true });
    expect(parseRuok(fixture('zookeeper/ruok.txt'))).toEqual({ ok: true, value: true });
    expect(parseRuok('imnotok')).toMatchObject({ ok: false, code: 'BAD_REPLY' });
  });

  it('reads Keeper conf as generic key=value, the repeated key included', () => {
    const conf = valueOf(parseConf(fixture('keeper/conf.txt')));

    expect(conf.server_id).toBe('1');
    expect(conf.four_letter_word_allow_list).toBe('*');
    expect(conf.max_requests_batch_size).toBe('100');
    expect(conf.snapshot_storage_disk).toBe('LocalSnapshotDisk');
    expect(Object.keys(conf)).toHaveLength(45);
  });

  it('skips ZooKeeper conf header lines without "="', () => {
    const conf = valueOf(
      parseConf(
        'clientPort=2181\nmembership: \nserver.1=zk1:2888:3888:participant;0.0.0.0:2181\nversion=0\n',
      ),
    );

    expect(conf).toMatchObject({
      clientPort: '2181',
      'server.1': 'zk1:2888:3888:participant;0.0.0.0:2181',
      version: '0',
    });
  });
});

describe('refusals any command can get', () => {
  it.each([
    ['Keeper not serving (no newline)', 'keeper/not-serving.txt'],
    ['ZooKeeper not serving (newline)', 'zookeeper/not-serving.txt'],
  ])('recognises %s in mntr, srvr and conf', (_label, file) => {
    const reply = fixture(file);

    for (const parse of [parseMntr, parseSrvr, parseConf]) {
      expect(parse(reply)).toMatchObject({ ok: false, code: 'NOT_SERVING' });
    }
  });

  it('recognises the ZooKeeper whitelist refusal', () => {
    const result = parseMntr(fixture('zookeeper/not-whitelisted.txt'));

    expect(result).toMatchObject({
      ok: false,
      code: 'NOT_ALLOWED',
      reason: expect.stringContaining('4lw.commands.whitelist'),
    });
  });

  it('reads the empty reply as Keeper refusing a word outside its allow list', () => {
    const reply = fixture('keeper/not-allowed.txt');

    expect(reply).toBe('');
    for (const parse of [parseMntr, parseSrvr, parseIsro, parseRuok, parseConf]) {
      expect(parse(reply)).toMatchObject({
        ok: false,
        code: 'NOT_ALLOWED',
        reason: expect.stringContaining('allow_list'),
      });
    }
  });
});

describe('replies of the wrong shape', () => {
  it('rejects garbage with a short quoted excerpt, never the whole text', () => {
    const garbage = `HTTP/1.1 400 Bad Request ${'x'.repeat(5_000)}\r\n`;

    const result = parseMntr(garbage);

    expect(result).toMatchObject({ ok: false, code: 'BAD_REPLY' });
    if (result.ok) return;
    expect(result.reason).toContain('"HTTP/1.1 400 Bad Request xxx');
    expect(result.reason).toMatch(/…$/);
    expect(result.reason.length).toBeLessThan(200);
  });

  it('rejects an mntr reply that stops mid-line (server closed early)', () => {
    const full = fixture('keeper/mntr-leader.txt');

    const result = parseMntr(full.slice(0, full.indexOf('zk_server_state') + 8));

    expect(result).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('mid-line'),
    });
  });

  it('rejects a srvr reply that stops mid-line', () => {
    expect(parseSrvr(fixture('keeper/srvr-leader.txt').slice(0, 120))).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
    });
  });

  it('rejects an mntr reply without zk_server_state', () => {
    const withoutState = fixture('keeper/mntr-follower.txt').replace('zk_server_state\tfollower\n', '');

    expect(parseMntr(withoutState)).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('zk_server_state'),
    });
  });

  it('rejects an mntr value relied upon that is not a number', () => {
    const broken = fixture('keeper/mntr-follower.txt').replace(
      'zk_outstanding_requests\t0',
      'zk_outstanding_requests\tlots',
    );

    expect(parseMntr(broken)).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('zk_outstanding_requests'),
    });
  });

  it('passes over unknown mntr keys without complaint', () => {
    const mntr = valueOf(parseMntr(`${fixture('keeper/mntr-follower.txt')}zk_uptime\t12345\n`));

    expect(mntr.serverState).toBe('follower');
  });

  it('rejects isro and conf replies of the wrong shape', () => {
    expect(parseIsro('maybe')).toMatchObject({ ok: false, code: 'BAD_REPLY' });
    expect(parseConf('no pairs here\n')).toMatchObject({ ok: false, code: 'BAD_REPLY' });
  });
});

describe('parsers on arbitrary input', () => {
  const parsers = { parseMntr, parseSrvr, parseIsro, parseRuok, parseConf };
  const mntrLike = fc
    .array(fc.tuple(fc.string(), fc.oneof(fc.string(), fc.double().map(String), fc.nat().map(String))), {
      maxLength: 20,
    })
    .map((pairs) => pairs.map(([key, value]) => `zk_${key}\t${value}\n`).join(''));
  const srvrLike = fc
    .array(
      fc.tuple(
        fc.constantFrom('Mode', 'Zxid', 'Latency min/avg/max', 'Outstanding', 'Node count', 'Clients'),
        fc.string(),
      ),
      { maxLength: 10 },
    )
    .map((pairs) => pairs.map(([key, value]) => `${key}: ${value}\n`).join(''));

  it.each(Object.entries(parsers))(
    '%s never throws and always answers ok or a failure code',
    (_name, parse) => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mntrLike, srvrLike), (text) => {
          const result = parse(text);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(['BAD_REPLY', 'NOT_SERVING', 'NOT_ALLOWED']).toContain(result.code);
        }),
        { numRuns: 500 },
      );
    },
  );
});
