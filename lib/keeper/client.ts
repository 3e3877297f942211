import { createConnection, isIP } from 'node:net';
import { describeError } from '../errors/index.js';
import {
  PROBE_FAILURES,
  failureCodeOf,
  probeFailed,
  probeOk,
  systemClock,
  type ProbeResult,
} from '../probe/index.js';
import { DEFAULT_MAX_REPLY_BYTES } from './constants.js';
import type {
  Connect,
  FourLetterSocket,
  FourLetterTarget,
  FourLetterWord,
  SendOptions,
  StateChangingWord,
} from './types.js';

/**
 * Plain TCP, or TLS when the target asks for it (SNI only for host names, as TLS allows). node:tls (with
 * crypto, ~10 ms to load) is loaded only for a TLS target.
 */
const defaultConnect: Connect = ({ host, port, tls }) =>
  tls === undefined
    ? createConnection({ host, port })
    : process
        .getBuiltinModule('node:tls')
        .connect({ host, port, ca: tls.ca, servername: isIP(host) === 0 ? host : undefined });

const errorCodeOf = (error: unknown): string =>
  (error as { code?: unknown })?.code !== undefined
    ? String((error as { code: unknown }).code)
    : describeError(error);

/**
 * Sends one four-letter word on its own connection and reads until the server closes (4lw servers answer
 * once, then close). Never throws: refusals, resets, silence and oversized replies are failed results, and
 * the socket and timer are released on every path. An empty reply is a success with `''` (Keeper's answer
 * to a word outside its allow list); the parsers decide what a reply means.
 */
export const sendFourLetterWord = (
  target: FourLetterTarget,
  word: FourLetterWord | StateChangingWord,
  options: SendOptions,
): Promise<ProbeResult<string>> => {
  const clock = options.clock ?? systemClock;
  const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  const connect = options.connect ?? defaultConnect;
  const where = `${word} to ${target.host}:${target.port}`;
  const startedAt = clock.now();

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    let socket: FourLetterSocket | undefined;

    const finish = (result: ProbeResult<string>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(result);
    };

    let connected = false;
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          code: PROBE_FAILURES.timeout,
          reason: `${where}: ${connected ? 'connected, but ' : ''}no reply within ${options.timeoutMs} ms`,
          elapsedMs: clock.now() - startedAt,
          ...(connected ? { connected } : {}),
        }),
      options.timeoutMs,
    );

    try {
      socket = connect(target);
    } catch (error) {
      finish(probeFailed(failureCodeOf(error), `${where}: ${errorCodeOf(error)}`, startedAt, clock));
      return;
    }

    socket.on('connect', () => {
      connected = true;
    });
    socket.on('error', (error) =>
      finish(probeFailed(failureCodeOf(error), `${where}: ${errorCodeOf(error)}`, startedAt, clock)),
    );
    socket.on('data', (chunk) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxReplyBytes) {
        finish(
          probeFailed(
            PROBE_FAILURES.badReply,
            `${where}: reply exceeds ${maxReplyBytes} bytes`,
            startedAt,
            clock,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    socket.on('end', () => finish(probeOk(Buffer.concat(chunks).toString('utf8'), startedAt, clock)));
    socket.on('close', () =>
      finish(
        probeFailed(
          PROBE_FAILURES.reset,
          `${where}: connection closed before the reply ended`,
          startedAt,
          clock,
        ),
      ),
    );

    try {
      socket.write(word);
    } catch (error) {
      finish(probeFailed(failureCodeOf(error), `${where}: ${errorCodeOf(error)}`, startedAt, clock));
    }
  });
};
