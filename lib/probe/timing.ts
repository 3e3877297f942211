import { PROBE_FAILURES, type Clock, type ProbeFailureCode, type ProbeResult } from './types.js';

export const probeOk = <T>(value: T, startedAt: number, clock: Clock): ProbeResult<T> => ({
  ok: true,
  value,
  elapsedMs: clock.now() - startedAt,
});

export const probeFailed = <T>(
  code: ProbeFailureCode,
  reason: string,
  startedAt: number,
  clock: Clock,
  serverErrorType?: string,
): ProbeResult<T> => ({
  ok: false,
  code,
  reason,
  elapsedMs: clock.now() - startedAt,
  ...(serverErrorType === undefined ? {} : { serverErrorType }),
});

/** OpenSSL and Node TLS error codes: certificate not trusted, expired, wrong host name, not a TLS port. */
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_)/;

/** Maps a Node socket/fetch error to a probe failure code. */
export const failureCodeOf = (error: unknown): ProbeFailureCode => {
  const code =
    (error as { code?: string; cause?: { code?: string } })?.code ??
    (error as { cause?: { code?: string } })?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return PROBE_FAILURES.refused;
    case 'ECONNRESET':
    case 'EPIPE':
      return PROBE_FAILURES.reset;
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return PROBE_FAILURES.timeout;
    case 'EPROTO':
      return PROBE_FAILURES.tls;
    default:
      if (code !== undefined && TLS_ERROR_CODE.test(code)) return PROBE_FAILURES.tls;
      return (error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError'
        ? PROBE_FAILURES.timeout
        : PROBE_FAILURES.unreachable;
  }
};
