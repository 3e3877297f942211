import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMntr, sendFourLetterWord, type FourLetterSocket } from '../../../lib/keeper/index.js';
import { fixture } from './support.js';

interface TestServer {
  port: number;
  /** What each connection sent, in order of arrival. */
  received: string[];
  /** Resolves when the server sees the client's socket close. */
  clientGone: Promise<void>;
}

const servers: Server[] = [];
const sockets: Socket[] = [];

/** A real server on 127.0.0.1 whose `answer` decides what each connection gets. */
const serve = async (answer: (socket: Socket, request: string) => void): Promise<TestServer> => {
  const received: string[] = [];
  let markGone = () => {};
  const clientGone = new Promise<void>((resolve) => (markGone = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => markGone());
    let request = '';
    socket.on('data', (chunk) => {
      request += chunk.toString('utf8');
      if (request.length >= 4) {
        received.push(request);
        answer(socket, request);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, received, clientGone };
};

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const activeTimers = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('sendFourLetterWord against a real socket', () => {
  it('sends the four bytes and returns the reply byte for byte once the server closes', async () => {
    const reply = fixture('keeper/mntr-leader.txt');
    const server = await serve((socket) => socket.end(reply));
    const timersBefore = activeTimers();

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'mntr', {
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({ ok: true, value: reply });
    expect(server.received).toEqual(['mntr']);
    expect(activeTimers()).toBe(timersBefore);
  });

  it('returns an empty reply as text when the server closes without writing (Keeper: word not allowed)', async () => {
    const server = await serve((socket) => socket.end());

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'stat', {
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({ ok: true, value: '' });
  });

  it('hands a reply cut mid-line to the parser, which rejects it', async () => {
    const server = await serve((socket) => socket.end('zk_version\tv26.3.10.62-lts\nzk_server_st'));

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'mntr', {
      timeoutMs: 5_000,
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(parseMntr(result.value)).toMatchObject({ ok: false, code: 'BAD_REPLY' });
  });

  it('gives up on an oversized reply and drops the connection', async () => {
    const server = await serve((socket) => socket.write('zk_x\t1\n'.repeat(1_000)));

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'mntr', {
      timeoutMs: 5_000,
      maxReplyBytes: 1_024,
    });

    expect(result).toMatchObject({
      ok: false,
      code: 'BAD_REPLY',
      reason: expect.stringContaining('1024 bytes'),
    });
    await expect(server.clientGone).resolves.toBeUndefined();
  });

  it('reports a connection reset mid-reply', async () => {
    const server = await serve((socket) => {
      socket.write('zk_version\tv26');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'mntr', {
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({ ok: false, code: 'CONNECTION_RESET' });
  });

  it('reports a refused connection when nothing listens', async () => {
    const server = await serve(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'ruok', {
      timeoutMs: 5_000,
    });

    expect(result).toMatchObject({
      ok: false,
      code: 'CONNECTION_REFUSED',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('times out in about timeoutMs on a server that accepts and never answers, and closes the socket', async () => {
    const server = await serve(() => {});
    const timeoutMs = 200;
    const startedAt = Date.now();

    const result = await sendFourLetterWord({ host: '127.0.0.1', port: server.port }, 'mntr', { timeoutMs });

    const elapsed = Date.now() - startedAt;
    expect(result).toMatchObject({ ok: false, code: 'TIMEOUT', reason: expect.stringContaining('200 ms') });
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs + 500);
    await expect(server.clientGone).resolves.toBeUndefined();
  });
});

describe('sendFourLetterWord with an injected connect', () => {
  const fakeSocket = () => {
    const emitter = new EventEmitter();
    const socket = Object.assign(emitter, { written: [] as string[], destroyed: false }) as EventEmitter & {
      written: string[];
      destroyed: boolean;
    };
    const api: FourLetterSocket = {
      on: (event: string, listener: (...args: never[]) => void) =>
        socket.on(event, listener as (...args: unknown[]) => void),
      write: (data: string) => socket.written.push(data),
      destroy: () => (socket.destroyed = true),
    };
    return { socket, api };
  };

  it('maps an unreachable host and destroys the socket', async () => {
    const { socket, api } = fakeSocket();

    const pending = sendFourLetterWord({ host: 'keeper-9.internal', port: 9181 }, 'ruok', {
      timeoutMs: 5_000,
      connect: () => api,
    });
    socket.emit('error', Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }));

    await expect(pending).resolves.toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
      reason: expect.stringContaining('keeper-9.internal:9181'),
    });
    expect(socket.written).toEqual(['ruok']);
    expect(socket.destroyed).toBe(true);
  });

  it('never throws when connect itself throws', async () => {
    const result = await sendFourLetterWord({ host: 'h', port: 70_000 }, 'ruok', {
      timeoutMs: 5_000,
      connect: () => {
        throw Object.assign(new RangeError('port out of range'), { code: 'ERR_SOCKET_BAD_PORT' });
      },
    });

    expect(result).toMatchObject({
      ok: false,
      code: 'UNREACHABLE',
      reason: expect.stringContaining('ERR_SOCKET_BAD_PORT'),
    });
  });

  it('measures elapsed time with the injected clock', async () => {
    const { socket, api } = fakeSocket();
    let now = 1_000;

    const pending = sendFourLetterWord({ host: 'h', port: 1 }, 'isro', {
      timeoutMs: 5_000,
      connect: () => api,
      clock: { now: () => now },
    });
    now = 1_042;
    socket.emit('data', Buffer.from('ro'));
    socket.emit('end');

    await expect(pending).resolves.toEqual({ ok: true, value: 'ro', elapsedMs: 42 });
  });
});
