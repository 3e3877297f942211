import { describe, expect, it } from 'vitest';
import { HttpResponseError, ResponseReader, type HttpResponse } from '../../../lib/clickhouse/http1.js';

// What ClickHouse 18.16 sent on the local cluster (captured with nc): a query's rows, chunked; an exception,
// chunked, with Connection: Close; /replicas_status with a Content-Length.
const QUERY_REPLY =
  'HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 06:06:42 GMT\r\nConnection: Keep-Alive\r\n' +
  'Content-Type: text/plain; charset=UTF-8\r\nX-ClickHouse-Server-Display-Name: vm\r\n' +
  'Transfer-Encoding: chunked\r\nKeep-Alive: timeout=3\r\n\r\nA\r\n{"one":1}\n\r\n0\r\n\r\n';
const EXCEPTION_REPLY =
  'HTTP/1.1 404 Not Found\r\nDate: Tue, 01 Dec 2026 06:06:44 GMT\r\nConnection: Close\r\n' +
  'Content-Type: text/plain; charset=UTF-8\r\nX-ClickHouse-Server-Display-Name: vm\r\n' +
  'Transfer-Encoding: chunked\r\n\r\n67\r\n' +
  "Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist., e.what() = DB::Exception\n" +
  '\r\n0\r\n\r\n';
const STATUS_REPLY =
  'HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 06:06:46 GMT\r\nConnection: Keep-Alive\r\n' +
  'Keep-Alive: timeout=3\r\nContent-Length: 4\r\n\r\nOk.\n';

/** Feeds the reply in pieces of `size` bytes; `end` closes the connection after the last one. */
const read = (reply: string, size = reply.length, { end = false } = {}): HttpResponse | undefined => {
  const reader = new ResponseReader();
  const bytes = Buffer.from(reply, 'latin1');
  let response: HttpResponse | undefined;
  for (let at = 0; at < bytes.length; at += size) {
    expect(response).toBeUndefined(); // nothing is complete before its last byte
    response = reader.push(bytes.subarray(at, at + size));
  }
  return end ? reader.end() : response;
};

const text = (response: HttpResponse | undefined) => response?.body.toString('utf8');

describe('ResponseReader', () => {
  it('reads a chunked query reply and a kept-alive connection, however the bytes arrive', () => {
    for (const size of [QUERY_REPLY.length, 1, 2, 3, 7, 64]) {
      const response = read(QUERY_REPLY, size);
      expect(response).toMatchObject({ status: 200, reusable: true });
      expect(text(response)).toBe('{"one":1}\n');
    }
  });

  it('reads an exception reply, and a connection the server closes is not reused', () => {
    for (const size of [EXCEPTION_REPLY.length, 1, 5]) {
      const response = read(EXCEPTION_REPLY, size);
      expect(response).toMatchObject({ status: 404, reusable: false });
      expect(text(response)).toMatch(/^Code: 60, .*Table default\.nope doesn't exist/);
    }
  });

  it('reads a body framed by Content-Length', () => {
    for (const size of [STATUS_REPLY.length, 1]) {
      expect(read(STATUS_REPLY, size)).toMatchObject({ status: 200, reusable: true });
      expect(text(read(STATUS_REPLY, size))).toBe('Ok.\n');
    }
  });

  it('joins chunks, skips chunk extensions and trailers, and keeps UTF-8 split across chunks', () => {
    const euro = Buffer.from('€', 'utf8').toString('latin1'); // 3 bytes, split over two chunks
    const reply =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `4;name=value\r\nab${euro.slice(0, 2)}\r\n3\r\n${euro.slice(2)}cd\r\n0\r\nX-Trailer: 1\r\n\r\n`;
    expect(text(read(reply, 1))).toBe('ab€cd');
  });

  it('skips an interim 1xx response, and reads no body for 204', () => {
    const reply = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n';
    expect(read(reply)).toMatchObject({ status: 204, reusable: true });
    expect(text(read(reply))).toBe('');
  });

  it('reads a body without length up to the end of the connection, never reused', () => {
    const reply = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end';
    expect(read(reply, 4)).toBeUndefined();
    expect(read(reply, 4, { end: true })).toMatchObject({ status: 200, reusable: false });
    expect(text(read(reply, 4, { end: true }))).toBe('until the end');
  });

  it('keeps HTTP/1.0 only with Connection: keep-alive, and not a connection with bytes after the reply', () => {
    const old = 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok';
    expect(read(old)?.reusable).toBe(true);
    expect(read(old.replace('Connection: keep-alive\r\n', ''))?.reusable).toBe(false);
    expect(read(`${STATUS_REPLY}HTTP/1.1`, STATUS_REPLY.length + 8)).toMatchObject({ reusable: false });
  });

  it('refuses what is not an HTTP/1.x reply, with the error code of a parse failure', () => {
    const bad = [
      'SSH-2.0-OpenSSH_9.6\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY',
    ];
    for (const reply of bad) {
      expect(() => read(reply), reply).toThrow(HttpResponseError);
      expect(() => read(reply), reply).toThrow(expect.objectContaining({ code: 'HPE_INVALID_RESPONSE' }));
    }
    expect(() => read(`HTTP/1.1 200 OK\r\n${'X-Big: y\r\n'.repeat(8_000)}`)).toThrow(
      'response head too large',
    );
  });

  it('fails a reply the server cut short as a reset connection', () => {
    for (const reply of [QUERY_REPLY.slice(0, -5), STATUS_REPLY.slice(0, -1), 'HTTP/1.1 200']) {
      expect(() => read(reply, reply.length, { end: true })).toThrow(
        expect.objectContaining({
          code: 'ECONNRESET',
          message: 'connection closed before the response ended',
        }),
      );
    }
  });
});
