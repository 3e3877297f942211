import { describe, expect, it } from 'vitest';
import {
  CLICKHOUSE_ERROR_CODES,
  ClickHouseRequestError,
  failureOfException,
  parseClickHouseError,
  probeFailureOf,
} from '../../../lib/clickhouse/index.js';
import { PROBE_FAILURES } from '../../../lib/probe/index.js';
import { V18_EXCEPTIONS } from './fixtures.js';

const V18 = V18_EXCEPTIONS;

// From ClickHouse issues (#15598 on 20.5; PR #69903 on 24.10; #35712 on 22.3).
const V20_READONLY =
  'Code: 242, e.displayText() = DB::Exception: Table is in readonly mode (version 20.5.2.7 (official build))\n';
const MODERN_READONLY =
  'Code: 242. DB::Exception: Table is in readonly mode (replica path: /clickhouse/tables/01459_manual_write_to_replicas_quorum_detach_attach_test_520j53lr/r/replicas/r2). (TABLE_IS_READ_ONLY) (version 24.10.1.890 (official build))\n';
const MODERN_KEEPER =
  'Code: 999. Coordination::Exception: Session expired (Session expired): While executing DDLQueryStatus. (KEEPER_EXCEPTION) (version 22.3.2.1)';
const MODERN_WRAPPED =
  'Code: 57. DB::Exception: There was an error on [ch-2:9000]: Code: 57. DB::Exception: Table default.t already exists. (TABLE_ALREADY_EXISTS) (version 24.3.1.1). (TABLE_ALREADY_EXISTS) (version 24.3.1.1)';

describe('parseClickHouseError', () => {
  it('types 18.16 exceptions, which print no type name, by their code', () => {
    expect(parseClickHouseError(V18.readonly)).toEqual({
      code: 242,
      type: 'TABLE_IS_READ_ONLY',
      message: 'Table is in readonly mode',
    });
    expect(parseClickHouseError(V18.noZooKeeper)).toEqual({
      code: 225,
      type: 'NO_ZOOKEEPER',
      message: "Can't create replicated table without ZooKeeper",
    });
    expect(parseClickHouseError(V18.unknownTable)?.type).toBe('UNKNOWN_TABLE');
    expect(parseClickHouseError(V18.unknownDatabase)?.type).toBe('UNKNOWN_DATABASE');
    expect(parseClickHouseError(V18.wrongPassword)?.type).toBe('WRONG_PASSWORD');
    expect(parseClickHouseError(V18.unknownUser)?.type).toBe('UNKNOWN_USER');
    expect(parseClickHouseError(V18.timeout)).toEqual({
      code: 159,
      type: 'TIMEOUT_EXCEEDED',
      message: 'Timeout exceeded: elapsed 1.00399999 seconds, maximum: 1',
    });
  });

  it('gives an unmapped 18.16 code the UNKNOWN_EXCEPTION type but keeps the code', () => {
    expect(parseClickHouseError(V18.unmapped)).toMatchObject({ code: 395, type: 'UNKNOWN_EXCEPTION' });
  });

  it('drops the version suffix of 19.x-21.x texts', () => {
    expect(parseClickHouseError(V20_READONLY)).toEqual({
      code: 242,
      type: 'TABLE_IS_READ_ONLY',
      message: 'Table is in readonly mode',
    });
  });

  it('takes the printed (TYPE) of modern texts and keeps parentheses inside the message', () => {
    expect(parseClickHouseError(MODERN_READONLY)).toEqual({
      code: 242,
      type: 'TABLE_IS_READ_ONLY',
      message:
        'Table is in readonly mode (replica path: /clickhouse/tables/01459_manual_write_to_replicas_quorum_detach_attach_test_520j53lr/r/replicas/r2).',
    });
    expect(parseClickHouseError(MODERN_KEEPER)).toEqual({
      code: 999,
      type: 'KEEPER_EXCEPTION',
      message: 'Session expired (Session expired): While executing DDLQueryStatus.',
    });
  });

  it('prefers the printed type over the code table', () => {
    expect(
      parseClickHouseError('Code: 242. DB::Exception: x. (SOMETHING_NEWER) (version 26.3.1.1)')?.type,
    ).toBe('SOMETHING_NEWER');
  });

  it('reads a distributed-DDL wrapper by its outer code and type', () => {
    expect(parseClickHouseError(MODERN_WRAPPED)).toMatchObject({ code: 57, type: 'TABLE_ALREADY_EXISTS' });
  });

  it('returns undefined when the text holds no ClickHouse exception', () => {
    expect(parseClickHouseError('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(
      parseClickHouseError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ),
    ).toBeUndefined();
    expect(parseClickHouseError('Error: 404 Not Found')).toBeUndefined();
  });

  it('reads thrown errors: a plain Error with the server text, and a request error it already parsed', () => {
    expect(parseClickHouseError(new Error(V18.readonly))?.type).toBe('TABLE_IS_READ_ONLY');
    const wrapped = new ClickHouseRequestError(CLICKHOUSE_ERROR_CODES.server, 'statement on ch1: readonly', {
      failure: PROBE_FAILURES.serverError,
      exception: { code: 242, type: 'TABLE_IS_READ_ONLY', message: 'Table is in readonly mode.' },
    });
    expect(parseClickHouseError(wrapped)).toEqual({
      code: 242,
      type: 'TABLE_IS_READ_ONLY',
      message: 'Table is in readonly mode.',
    });
  });
});

describe('failure codes', () => {
  it('sets refused credentials and server timeouts apart from other server errors', () => {
    expect(failureOfException(parseClickHouseError(V18.wrongPassword)!)).toBe(PROBE_FAILURES.authFailed);
    expect(failureOfException({ code: 516, type: 'AUTHENTICATION_FAILED', message: '' })).toBe(
      PROBE_FAILURES.authFailed,
    );
    expect(failureOfException(parseClickHouseError(V18.timeout)!)).toBe(PROBE_FAILURES.timeout);
    expect(failureOfException(parseClickHouseError(V18.readonly)!)).toBe(PROBE_FAILURES.serverError);
  });

  it('keeps the exception type of a request error for the probe result', () => {
    const error = new ClickHouseRequestError(
      CLICKHOUSE_ERROR_CODES.server,
      'insert on x: Table is in readonly mode',
      {
        failure: PROBE_FAILURES.serverError,
        exception: { code: 242, type: 'TABLE_IS_READ_ONLY', message: 'Table is in readonly mode' },
      },
    );
    expect(probeFailureOf(error)).toEqual({
      code: PROBE_FAILURES.serverError,
      reason: 'insert on x: Table is in readonly mode',
      serverErrorType: 'TABLE_IS_READ_ONLY',
    });
    expect(probeFailureOf(new Error(V18.noZooKeeper)).serverErrorType).toBe('NO_ZOOKEEPER');
  });
});
