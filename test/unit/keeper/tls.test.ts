import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createSendWord, probeCoordinationNode, sendWord } from '../../../lib/keeper/index.js';
import { coordinationNode, fixedClock, fixture } from './support.js';

const caFile = fileURLToPath(new URL('../../tls-certs/ca.pem', import.meta.url));
const tlsFixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../tls-certs/${name}`, import.meta.url)), 'utf8');

/** A 4lw server on TLS (Keeper tcp_port_secure, ZooKeeper secureClientPort) answering from fixtures. */
const tlsKeeper = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer(
      { cert: tlsFixture('server.pem'), key: tlsFixture('server.key') },
      (socket) => {
        socket.once('data', (chunk) => {
          const word = chunk.toString('utf8');
          socket.end(
            word === 'ruok'
              ? fixture('keeper/ruok.txt')
              : word === 'mntr'
                ? fixture('keeper/mntr-leader.txt')
                : '',
          );
        });
        socket.on('error', () => undefined);
      },
    );
    server.on('tlsClientError', () => undefined);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const nodeOn = (port: number, overrides: Parameters<typeof coordinationNode>[0] = { name: 'keeper-1' }) =>
  coordinationNode({ host: '127.0.0.1', clientPort: port, ...overrides });

describe('4lw over TLS', () => {
  it('reads mntr over TLS trusting the node’s caFile', async () => {
    server = await tlsKeeper();
    const { port } = server.address() as AddressInfo;

    const reply = await sendWord(nodeOn(port, { name: 'keeper-1', tls: true, caFile }), 'mntr', 2_000);

    expect(reply).toMatchObject({ ok: true, value: fixture('keeper/mntr-leader.txt') });
  });

  it('says TLS when the certificate is not trusted (no caFile for a private CA)', async () => {
    server = await tlsKeeper();
    const { port } = server.address() as AddressInfo;

    const reply = await sendWord(nodeOn(port, { name: 'keeper-1', tls: true }), 'ruok', 2_000);

    expect(reply).toMatchObject({ ok: false, code: 'TLS_ERROR' });
    expect(!reply.ok && reply.reason).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('names an unreadable caFile instead of connecting', async () => {
    const send = createSendWord({
      readCa: () => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      },
    });

    const reply = await send(
      nodeOn(1, { name: 'keeper-1', tls: true, caFile: '/etc/chdr/ca.pem' }),
      'ruok',
      500,
    );

    expect(reply).toMatchObject({ ok: false, code: 'TLS_ERROR' });
    expect(!reply.ok && reply.reason).toContain('caFile /etc/chdr/ca.pem cannot be read');
  });

  it('probing a TLS port in plain TCP leaves the node unknown, never unreachable', async () => {
    server = await tlsKeeper();
    const { port } = server.address() as AddressInfo;

    const probe = await probeCoordinationNode(nodeOn(port), { timeoutMs: 2_000, clock: fixedClock() });

    expect(probe.role).not.toBe('unreachable');
    expect(probe.role).toBe('unknown');
    expect(probe.mntr).toMatchObject({ ok: false, code: 'TLS_ERROR' });
    expect(!probe.mntr.ok && probe.mntr.reason).toContain('set tls: true on keeper-1');
  });
});
