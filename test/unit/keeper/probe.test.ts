import { describe, expect, it } from 'vitest';
import { probeCoordinationNode, type SendWord } from '../../../lib/keeper/index.js';
import type { ProbeResult } from '../../../lib/probe/index.js';
import {
  DOWN,
  coordinationNode,
  fixedClock,
  fixture,
  keeperScripts,
  scriptedSend,
  zooKeeperScripts,
  type Script,
} from './support.js';

const keeper = coordinationNode({ name: 'keeper-1', host: '10.0.1.21' });
const zookeeper = coordinationNode({ name: 'zk-1', kind: 'zookeeper', host: '10.0.1.31' });

const probe = (node = keeper, script: Script) =>
  probeCoordinationNode(node, { timeoutMs: 1_000, clock: fixedClock(), send: scriptedSend(script) });

describe('probeCoordinationNode', () => {
  it('asks a leader mntr alone, one call on the client port, and srvr beside it when the zxid is wanted', async () => {
    const calls: { word: string; port: number; timeoutMs: number }[] = [];
    const release: (() => void)[] = [];
    const send: SendWord = (node, word, timeoutMs) => {
      calls.push({ word, port: node.clientPort, timeoutMs });
      return new Promise<ProbeResult<string>>((resolve) =>
        release.push(() =>
          resolve({
            ok: true,
            value: (keeperScripts.leader as Record<string, string | undefined>)[word] ?? '',
            elapsedMs: 1,
          }),
        ),
      );
    };

    const pending = probeCoordinationNode(keeper, { timeoutMs: 750, clock: fixedClock(), send });
    await Promise.resolve();
    expect(calls.map((call) => call.word)).toEqual(['mntr']);
    release.forEach((resolve) => resolve());
    const result = await pending;
    expect(calls).toHaveLength(1);

    const withZxid = probeCoordinationNode(keeper, { timeoutMs: 750, clock: fixedClock(), send, zxid: true });
    await Promise.resolve();
    expect(
      calls
        .slice(1)
        .map((call) => call.word)
        .sort(),
    ).toEqual(['mntr', 'srvr']);
    release.slice(1).forEach((resolve) => resolve());
    expect((await withZxid).srvr).toMatchObject({ ok: true, value: { zxidHex: '0x2f4c1c9' } });

    expect(calls.every((call) => call.port === 9181 && call.timeoutMs === 750)).toBe(true);
    expect(result.role).toBe('leader');
  });

  it('returns every parsed answer of a healthy Keeper leader', async () => {
    const result = await probe(keeper, keeperScripts.leader);

    expect(result).toMatchObject({
      node: 'keeper-1',
      kind: 'keeper',
      endpoint: '10.0.1.21:9181',
      role: 'leader',
    });
    expect(result.mntr).toMatchObject({ ok: true, value: { serverState: 'leader', syncedFollowers: 2 } });
    expect(result.srvr).toBeUndefined();
    expect(result.ruok).toBeUndefined();
    expect(result.isro).toBeUndefined();
  });

  it('recognises a Keeper learner, which says standalone, by its isro ro', async () => {
    const result = await probe(keeper, keeperScripts.learner);

    expect(result.mntr).toMatchObject({ ok: true, value: { serverState: 'standalone' } });
    expect(result.isro).toMatchObject({ ok: true, value: 'ro' });
    expect(result.role).toBe('observer');
  });

  it('keeps a one-node Keeper (standalone, isro rw) as standalone', async () => {
    const result = await probe(keeper, {
      ...keeperScripts.leader,
      mntr: fixture('keeper/mntr-standalone.txt'),
    });

    expect(result.isro).toMatchObject({ ok: true, value: 'rw' });
    expect(result.role).toBe('standalone');
  });

  it('does not take a ZooKeeper isro for a learner: a ZooKeeper observer says observer in mntr', async () => {
    const result = await probe(zookeeper, zooKeeperScripts.observer);

    expect(result.isro).toBeUndefined();
    expect(result.role).toBe('observer');
  });

  it('reads a ZooKeeper without quorum as not serving from mntr, asking no more', async () => {
    const result = await probe(zookeeper, zooKeeperScripts.notServing);

    expect(result.mntr).toMatchObject({ ok: false, code: 'NOT_SERVING' });
    expect(result.ruok).toBeUndefined();
    expect(result.role).toBe('not-serving');
  });

  it('reads a Keeper without quorum as not serving', async () => {
    const result = await probe(keeper, keeperScripts.notServing);

    expect(result.mntr).toMatchObject({ ok: false, code: 'NOT_SERVING' });
    expect(result.role).toBe('not-serving');
  });

  it('reads a node that refuses every connection as unreachable, asking it nothing more', async () => {
    const words: string[] = [];
    const down = scriptedSend(DOWN);
    const result = await probeCoordinationNode(keeper, {
      timeoutMs: 1_000,
      clock: fixedClock(),
      send: (node, word, timeoutMs) => {
        words.push(word);
        return down(node, word, timeoutMs);
      },
    });

    expect(result.role).toBe('unreachable');
    expect(result.mntr).toMatchObject({ ok: false, code: 'CONNECTION_REFUSED' });
    expect(words).toEqual(['mntr']);
  });

  it('falls back on srvr when mntr is not whitelisted (stock ZooKeeper)', async () => {
    const result = await probe(zookeeper, {
      ...zooKeeperScripts.follower,
      mntr: fixture('zookeeper/not-whitelisted.txt'),
    });

    expect(result.mntr).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(result.role).toBe('follower');
  });

  it('asks ruok and isro when mntr and srvr are refused, and says unknown, not down, for an imok', async () => {
    const result = await probe(keeper, { ruok: fixture('keeper/ruok.txt') });

    expect(result.role).toBe('unknown');
    expect(result.srvr).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(result.ruok).toMatchObject({ ok: true, value: true });
    expect(result.isro).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
  });

  it('turns a send that throws into a failed result instead of throwing', async () => {
    const send: SendWord = async () => {
      throw Object.assign(new Error('boom'), { code: 'ECONNRESET' });
    };

    const result = await probeCoordinationNode(keeper, { timeoutMs: 1_000, clock: fixedClock(), send });

    expect(result.role).toBe('unreachable');
    expect(result.mntr).toMatchObject({ ok: false, code: 'CONNECTION_RESET', reason: 'mntr: boom' });
  });
});

describe('probeCoordinationNode on a node that accepts connections but never answers', () => {
  const silent =
    (overTls: ProbeResult<string> | Error): SendWord =>
    async (node, word) => {
      if (node.tls) {
        if (overTls instanceof Error) throw overTls;
        return overTls;
      }
      return {
        ok: false,
        code: 'TIMEOUT',
        reason: `${word}: connected, but no reply`,
        elapsedMs: 1000,
        connected: true,
      };
    };

  it('calls it unknown with a TLS hint when the port completes a TLS handshake', async () => {
    const probe = await probeCoordinationNode(keeper, {
      timeoutMs: 1_000,
      clock: fixedClock(),
      send: silent({ ok: false, code: 'TLS_ERROR', reason: 'ruok: SELF_SIGNED_CERT_IN_CHAIN', elapsedMs: 3 }),
    });

    expect(probe.role).toBe('unknown');
    expect(probe.mntr).toMatchObject({ ok: false, code: 'TLS_ERROR' });
  });

  it('keeps it unreachable when the TLS attempt times out too (a hung server), even if that send throws', async () => {
    const timedOut = await probeCoordinationNode(keeper, {
      timeoutMs: 1_000,
      clock: fixedClock(),
      send: silent({ ok: false, code: 'TIMEOUT', reason: 'ruok: no reply', elapsedMs: 500 }),
    });
    const threw = await probeCoordinationNode(keeper, {
      timeoutMs: 1_000,
      clock: fixedClock(),
      send: silent(new Error('boom')),
    });

    expect(timedOut.role).toBe('unreachable');
    expect(threw.role).toBe('unreachable');
  });
});
