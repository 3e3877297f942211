import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpTransport, type ClickHouseTransport } from '../../../lib/clickhouse/http-transport.js';

/** A loopback HTTP server standing in for ClickHouse's HTTP interface: it records what it was sent. */
let server: Server;
let url: string;
let connections: number;
const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let reply: { status: number; body: string };
const transports: ClickHouseTransport[] = [];

beforeEach(async () => {
  connections = 0;
  requests.length = 0;
  reply = { status: 200, body: '{"a":1}\n' };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/hang') return;
      if (req.url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).write('{"a":');
        setTimeout(() => res.end('1}\n'), 20);
        return;
      }
      if (req.url === '/close') res.setHeader('Connection', 'close');
      res.writeHead(reply.status, { 'Content-Type': 'text/plain' }).end(reply.body);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const transport of transports.splice(0)) await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const transport = (idleSocketTtlMs?: number): ClickHouseTransport => {
  const created = createHttpTransport({
    url,
    username: 'chdr',
    password: 'pw',
    keepAlive: true,
    ...(idleSocketTtlMs === undefined ? {} : { idleSocketTtlMs }),
  });
  transports.push(created);
  return created;
};
const signal = () => AbortSignal.timeout(2_000);

describe('createHttpTransport', () => {
  it('POSTs the statement to / with Basic credentials and returns the body', async () => {
    const body = await transport().post('SELECT 1 AS a\nFORMAT JSONEachRow', signal());

    expect(body).toBe('{"a":1}\n');
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: '/',
      body: 'SELECT 1 AS a\nFORMAT JSONEachRow',
    });
    expect(requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('chdr:pw').toString('base64')}`);
  });

  it('rejects with the server’s exception text on any status but 200', async () => {
    reply = { status: 500, body: 'Code: 60, e.displayText() = DB::Exception: Table x doesn’t exist.\n' };

    await expect(transport().post('SELECT * FROM x', signal())).rejects.toThrow(
      'Code: 60, e.displayText() = DB::Exception: Table x doesn’t exist.',
    );
  });

  it('GETs a path without credentials and returns any status with its body', async () => {
    reply = { status: 503, body: 'db.t:\tAbsolute delay: 912. Relative delay: 912.\n' };

    const got = await transport().get('/replicas_status?verbose=1', signal());

    expect(got).toEqual({ httpStatus: 503, body: 'db.t:\tAbsolute delay: 912. Relative delay: 912.\n' });
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/replicas_status?verbose=1' });
    expect(requests[0]?.headers.authorization).toBeUndefined();
  });

  it('reuses a kept-alive socket while it is fresh and opens a new one once it has idled past the TTL', async () => {
    const client = transport(200);

    await client.post('SELECT 1', signal());
    await client.post('SELECT 2', signal());
    const whileFresh = connections;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.post('SELECT 3', signal());

    expect(whileFresh).toBe(1);
    expect(connections).toBe(2);
  });

  it('gives up when the signal aborts', async () => {
    const started = Date.now();

    await expect(transport().get('/hang', AbortSignal.timeout(100))).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reads a body the server sends in chunks over time', async () => {
    expect(await transport().get('/chunked', signal())).toEqual({ httpStatus: 200, body: '{"a":1}\n' });
  });

  it('opens a new socket after a reply that closes the connection', async () => {
    const client = transport();

    await client.get('/close', signal());
    await client.get('/close', signal());

    expect(connections).toBe(2);
  });

  it('drops a kept-alive socket the server closed while it was idle, and the next request still succeeds', async () => {
    const client = transport();
    await client.post('SELECT 1', signal());

    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await client.post('SELECT 2', signal())).toBe('{"a":1}\n');
    expect(connections).toBe(2);
  });

  it('sends every request whole, with a Content-Length counted in bytes', async () => {
    await transport().post("SELECT 'çà€'", signal());

    expect(requests[0]?.body).toBe("SELECT 'çà€'");
    expect(requests[0]?.headers['content-length']).toBe(String(Buffer.byteLength("SELECT 'çà€'")));
    expect(requests[0]?.headers.host).toBe(url.replace('http://', ''));
  });
});
