import {
  CLICKHOUSE_ERROR_CODES,
  ClickHouseRequestError,
  parseClickHouseError,
  failureOfException,
  type ClickHouseConnection,
  type HttpReply,
} from '../../../lib/clickhouse/index.js';
import { PROBE_FAILURES, type Clock, type ProbeFailureCode } from '../../../lib/probe/index.js';

export interface FakeCall {
  method: 'queryRows' | 'exec' | 'replicasStatus';
  sql?: string;
  timeoutMs: number;
}

type Answer<T> = T | ClickHouseRequestError | ((call: FakeCall) => T | Promise<T>);

export interface FakeConnection extends ClickHouseConnection {
  calls: FakeCall[];
}

/** A connection that answers from the given replies; an error value is thrown as-is. */
export const fakeConnection = (answers: {
  queryRows?: Answer<unknown[]>;
  exec?: Answer<void>;
  replicasStatus?: Answer<HttpReply>;
}): FakeConnection => {
  const calls: FakeCall[] = [];
  const answer = async <T>(value: Answer<T> | undefined, call: FakeCall): Promise<T> => {
    calls.push(call);
    if (value === undefined) throw new Error(`unexpected ${call.method}`);
    if (value instanceof ClickHouseRequestError) throw value;
    return typeof value === 'function' ? (value as (call: FakeCall) => T | Promise<T>)(call) : value;
  };
  return {
    endpoint: 'http://fake:8123 as chdr',
    calls,
    queryRows: <T>(sql: string, { timeoutMs }: { timeoutMs: number }) =>
      answer(answers.queryRows, { method: 'queryRows', sql, timeoutMs }) as Promise<T[]>,
    exec: (sql, { timeoutMs }) => answer(answers.exec, { method: 'exec', sql, timeoutMs }),
    replicasStatus: ({ timeoutMs }) =>
      answer(answers.replicasStatus, { method: 'replicasStatus', timeoutMs }),
    close: async () => undefined,
  };
};

/** The error a real connection throws for a server exception text. */
export const serverError = (text: string): ClickHouseRequestError => {
  const exception = parseClickHouseError(text)!;
  return new ClickHouseRequestError(
    CLICKHOUSE_ERROR_CODES.server,
    `statement on http://fake:8123: ${exception.message}`,
    {
      failure: failureOfException(exception),
      exception,
    },
  );
};

export const transportError = (failure: ProbeFailureCode = PROBE_FAILURES.refused): ClickHouseRequestError =>
  new ClickHouseRequestError(
    failure === PROBE_FAILURES.timeout ? CLICKHOUSE_ERROR_CODES.timeout : CLICKHOUSE_ERROR_CODES.transport,
    `query on http://fake:8123: ${failure}`,
    { failure },
  );

/** A clock that moves only when told (or by `step` ms on every read). */
export const manualClock = (
  start = Date.UTC(2026, 3, 20, 10, 15, 2),
  step = 0,
): Clock & { advance(ms: number): void } => {
  let now = start;
  return {
    now: () => {
      const value = now;
      now += step;
      return value;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
};
