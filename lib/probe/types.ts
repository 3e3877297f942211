/** Why a probe did not produce a value. Timeouts are results too, never exceptions. */
export const PROBE_FAILURES = {
  timeout: 'TIMEOUT',
  refused: 'CONNECTION_REFUSED',
  reset: 'CONNECTION_RESET',
  unreachable: 'UNREACHABLE',
  notServing: 'NOT_SERVING',
  notAllowed: 'NOT_ALLOWED',
  badReply: 'BAD_REPLY',
  httpError: 'HTTP_ERROR',
  serverError: 'SERVER_ERROR',
  authFailed: 'AUTH_FAILED',
  /** TLS handshake failed: untrusted or mismatched certificate, or the port does not speak TLS. */
  tls: 'TLS_ERROR',
} as const;
export type ProbeFailureCode = (typeof PROBE_FAILURES)[keyof typeof PROBE_FAILURES];

export type ProbeResult<T> =
  | { ok: true; value: T; elapsedMs: number }
  | {
      ok: false;
      code: ProbeFailureCode;
      reason: string;
      elapsedMs: number;
      /** ClickHouse exception type (e.g. TABLE_IS_READ_ONLY) when the server said why. */
      serverErrorType?: string;
      /** A timeout after the TCP connection was accepted: something listens but did not answer. */
      connected?: boolean;
    };

/** The clock, injected so tests control time. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
