import { ChdrError } from '../errors/index.js';

/**
 * The HTTP/1.1 that chdr speaks to ClickHouse's HTTP interface, read from a socket's chunks: a status line,
 * headers, and a body framed by Content-Length, by chunked encoding, or by the end of the connection.
 * chdr sends GET and POST only, never `Expect: 100-continue`, and reads every body whole.
 */
export interface HttpResponse {
  status: number;
  body: Buffer;
  /** The server keeps the connection open for another request (and sent nothing after this response). */
  reusable: boolean;
}

/** A reply that is not HTTP/1.x as framed above. Node's own HTTP parser codes start with HPE_ as well. */
export class HttpResponseError extends ChdrError {
  constructor(message: string, code = 'HPE_INVALID_RESPONSE') {
    super(code, message);
  }
}

const MAX_HEAD_BYTES = 64 * 1024;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})(?:;.*)?$/;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

interface Head {
  status: number;
  keepAlive: boolean;
  /** Content-Length, `chunked`, or `close` (the body ends with the connection). */
  framing: number | 'chunked' | 'close';
}

const parseHead = (text: string): Head => {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) throw new HttpResponseError(`not an HTTP/1.x status line: ${statusLine.slice(0, 80)}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpResponseError(`malformed header line: ${line.slice(0, 80)}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const connection = headers.get('connection')?.toLowerCase();
  const keepAlive = status[1] === '1' ? connection !== 'close' : connection === 'keep-alive';
  const code = Number(status[2]);
  if (code === 204 || code === 304) return { status: code, keepAlive, framing: 0 };
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked')
    return { status: code, keepAlive, framing: 'chunked' };
  const length = headers.get('content-length');
  if (length === undefined) return { status: code, keepAlive: false, framing: 'close' };
  if (!/^\d{1,15}$/.test(length)) throw new HttpResponseError(`bad Content-Length: ${length.slice(0, 20)}`);
  return { status: code, keepAlive, framing: Number(length) };
};

/** Where a chunked body is: a size line, chunk data, the CRLF after the data, or the trailer section. */
type ChunkedAt = { at: 'size' } | { at: 'data'; left: number } | { at: 'data-end' } | { at: 'trailers' };

/** Reads one response. Push each chunk the socket delivers; `end()` when the server closes. */
export class ResponseReader {
  #pending: Buffer = Buffer.alloc(0);
  #head: Head | undefined;
  readonly #body: Buffer[] = [];
  #bodyBytes = 0;
  #chunked: ChunkedAt = { at: 'size' };

  /** The response once it is complete, else undefined. Throws HttpResponseError on a malformed reply. */
  push(chunk: Buffer): HttpResponse | undefined {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    if (this.#head === undefined && !this.#readHead()) return undefined;
    const framing = this.#head!.framing;
    if (framing === 'close') {
      this.#take(this.#pending.length);
      return undefined;
    }
    if (framing === 'chunked') return this.#readChunks() ? this.#response(this.#head!.keepAlive) : undefined;
    this.#take(Math.min(framing - this.#bodyBytes, this.#pending.length));
    return this.#bodyBytes === framing ? this.#response(this.#head!.keepAlive) : undefined;
  }

  /** The connection closed: the response if its body ends here, else an error. */
  end(): HttpResponse {
    if (this.#head?.framing !== 'close')
      throw new HttpResponseError('connection closed before the response ended', 'ECONNRESET');
    this.#take(this.#pending.length);
    return this.#response(false);
  }

  #readHead(): boolean {
    for (;;) {
      const end = this.#pending.indexOf(HEAD_END);
      if (end < 0) {
        if (this.#pending.length > MAX_HEAD_BYTES) throw new HttpResponseError('response head too large');
        return false;
      }
      const head = parseHead(this.#pending.toString('latin1', 0, end));
      this.#pending = this.#pending.subarray(end + HEAD_END.length);
      if (head.status >= 200) {
        this.#head = head;
        return true;
      }
      // 1xx: an interim response; the real one follows.
    }
  }

  /** The next line (without its CRLF) when it has arrived whole. */
  #line(): string | undefined {
    const end = this.#pending.indexOf(CRLF);
    if (end < 0) return undefined;
    const line = this.#pending.toString('latin1', 0, end);
    this.#pending = this.#pending.subarray(end + CRLF.length);
    return line;
  }

  /** Reads chunks as far as they have arrived: true once the last chunk and the trailers are read. */
  #readChunks(): boolean {
    for (;;) {
      const state = this.#chunked;
      if (state.at === 'data') {
        const take = Math.min(state.left, this.#pending.length);
        this.#take(take);
        if (take < state.left) {
          this.#chunked = { at: 'data', left: state.left - take };
          return false;
        }
        this.#chunked = { at: 'data-end' };
      } else if (state.at === 'data-end') {
        if (this.#pending.length < CRLF.length) return false;
        if (!this.#pending.subarray(0, CRLF.length).equals(CRLF))
          throw new HttpResponseError('chunk data not followed by CRLF');
        this.#pending = this.#pending.subarray(CRLF.length);
        this.#chunked = { at: 'size' };
      } else {
        const line = this.#line();
        if (line === undefined) return false;
        if (state.at === 'trailers') {
          if (line === '') return true; // trailer fields themselves are ignored
          continue;
        }
        const size = CHUNK_SIZE.exec(line);
        if (!size) throw new HttpResponseError(`bad chunk size line: ${line.slice(0, 40)}`);
        const left = parseInt(size[1]!, 16);
        this.#chunked = left === 0 ? { at: 'trailers' } : { at: 'data', left };
      }
    }
  }

  #take(bytes: number): void {
    if (bytes === 0) return;
    this.#body.push(this.#pending.subarray(0, bytes));
    this.#bodyBytes += bytes;
    this.#pending = this.#pending.subarray(bytes);
  }

  #response(keepAlive: boolean): HttpResponse {
    return {
      status: this.#head!.status,
      body: this.#body.length === 1 ? this.#body[0]! : Buffer.concat(this.#body),
      reusable: keepAlive && this.#pending.length === 0,
    };
  }
}
