import { ChdrError, describeError } from '../errors/index.js';
import {
  PROBE_FAILURES,
  probeFailed,
  type Clock,
  type ProbeFailureCode,
  type ProbeResult,
} from '../probe/index.js';
import {
  AUTH_EXCEPTION_TYPES,
  CLICKHOUSE_EXCEPTION_TYPES,
  MAX_SERVER_MESSAGE_LENGTH,
  TIMEOUT_EXCEPTION_TYPES,
  UNKNOWN_EXCEPTION_TYPE,
} from './constants.js';
import type { ClickHouseErrorCode, ClickHouseException } from './types.js';

/** A request to ClickHouse that did not produce a usable reply. `exception` is set when the server said why. */
export class ClickHouseRequestError extends ChdrError {
  readonly failure: ProbeFailureCode;
  readonly exception: ClickHouseException | null;

  constructor(
    code: ClickHouseErrorCode,
    message: string,
    options: { failure: ProbeFailureCode; exception?: ClickHouseException | null; cause?: unknown },
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.failure = options.failure;
    this.exception = options.exception ?? null;
  }
}

const CODE_RE = /\bCode:\s*(\d+)/;
/** `(TYPE)` right before ` (version ...)`, as modern servers print it. */
const TYPE_BEFORE_VERSION_RE = /\(([A-Z][A-Z0-9_]{2,})\)\s*\(version\b/;
/** `(TYPE)` ending the text (some wrappers drop the version). */
const TYPE_AT_END_RE = /\(([A-Z][A-Z0-9_]{2,})\)[.\s]*$/;
/** `e.displayText() = ` (18.x-21.x) and the exception class name (`DB::Exception: `, `Coordination::Exception: `). */
const MESSAGE_PREFIX_RE = /^[.,]?\s*(?:e\.displayText\(\)\s*=\s*)?(?:[A-Za-z_][\w:]*Exception:\s*)?/;

const typeOfCode = (code: number): string =>
  (CLICKHOUSE_EXCEPTION_TYPES as Record<number, string>)[code] ?? UNKNOWN_EXCEPTION_TYPE;

const truncate = (text: string): string =>
  text.length <= MAX_SERVER_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_SERVER_MESSAGE_LENGTH - 1)}…`;

const textOf = (input: unknown): string =>
  typeof input === 'string' ? input : input instanceof Error ? input.message : describeError(input);

/** An exception chdr already parsed (a request error wrapped again). */
const alreadyParsed = (input: unknown): ClickHouseException | undefined =>
  input instanceof ClickHouseRequestError ? (input.exception ?? undefined) : undefined;

/**
 * Parses a ClickHouse exception from a reply body or a thrown error, in every style seen:
 * `Code: 242, e.displayText() = DB::Exception: Table is in readonly mode, e.what() = DB::Exception` (18.x),
 * `Code: 242, e.displayText() = DB::Exception: ... (version 20.5.2.7 (official build))` (19.x-21.x) and
 * `Code: 242. DB::Exception: ... (TABLE_IS_READ_ONLY) (version 24.10.1.890 (official build))` (21.10+).
 * The printed `(TYPE)` wins over the code table. Returns undefined when the text holds no `Code: N`
 * (a proxy page, a socket error): the server did not answer with an exception.
 */
export const parseClickHouseError = (input: unknown): ClickHouseException | undefined => {
  const parsed = alreadyParsed(input);
  if (parsed !== undefined) return parsed;
  const text = textOf(input);
  const codeMatch = CODE_RE.exec(text);
  if (codeMatch === null) return undefined;
  const code = Number(codeMatch[1]);
  const rest = text.slice(codeMatch.index + codeMatch[0].length);
  const typeMatch = TYPE_BEFORE_VERSION_RE.exec(rest) ?? TYPE_AT_END_RE.exec(rest);
  let message = rest.replace(MESSAGE_PREFIX_RE, '');
  for (const end of [
    ', e.what() = ',
    typeMatch === null ? null : `(${typeMatch[1]})`,
    ' (version ',
    ', Stack trace',
  ]) {
    if (end === null) continue;
    const at = message.indexOf(end);
    if (at >= 0) message = message.slice(0, at);
  }
  return {
    code,
    type: typeMatch?.[1] ?? typeOfCode(code),
    message: truncate(message.trim()),
  };
};

/** Probe failure code for a server exception: refused credentials and server-side timeouts stand apart. */
export const failureOfException = (exception: ClickHouseException): ProbeFailureCode =>
  AUTH_EXCEPTION_TYPES.includes(exception.type)
    ? PROBE_FAILURES.authFailed
    : TIMEOUT_EXCEPTION_TYPES.includes(exception.type)
      ? PROBE_FAILURES.timeout
      : PROBE_FAILURES.serverError;

/** One line for an exception: `Table is in readonly mode (TABLE_IS_READ_ONLY, code 242)`. */
export const describeException = (exception: ClickHouseException): string =>
  `${exception.message || 'no message'} (${exception.type}, code ${exception.code})`;

/** What a probe records for a failed request: failure code, reason, and the exception type when known. */
export const probeFailureOf = (
  error: unknown,
): { code: ProbeFailureCode; reason: string; serverErrorType: string | undefined } => {
  if (error instanceof ClickHouseRequestError) {
    return { code: error.failure, reason: error.message, serverErrorType: error.exception?.type };
  }
  const exception = parseClickHouseError(error);
  if (exception !== undefined) {
    return {
      code: failureOfException(exception),
      reason: describeException(exception),
      serverErrorType: exception.type,
    };
  }
  return { code: PROBE_FAILURES.badReply, reason: describeError(error), serverErrorType: undefined };
};

/** A failed probe result from what a request threw, its reason after `prefix` when one is given. */
export const probeFailedWith = <T>(
  error: unknown,
  startedAt: number,
  clock: Clock,
  prefix?: string,
): ProbeResult<T> => {
  const failure = probeFailureOf(error);
  const reason = prefix === undefined ? failure.reason : `${prefix}: ${failure.reason}`;
  return probeFailed(failure.code, reason, startedAt, clock, failure.serverErrorType);
};
