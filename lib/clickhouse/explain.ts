import { PROBE_FAILURES, type ProbeFailureCode } from '../probe/index.js';
import { AUTH_EXCEPTION_TYPES, TIMEOUT_EXCEPTION_TYPES } from './constants.js';

/** A failed request in words: what happened (with the exception type) and what a person should look at. */
export interface FailureExplanation {
  what: string;
  hint: string;
}

export interface FailureFacts {
  code: ProbeFailureCode;
  serverErrorType?: string;
}

const BY_TYPE: Record<string, (type: string) => FailureExplanation> = {
  TABLE_IS_READ_ONLY: (type) => ({
    what: `table is readonly (${type})`,
    hint: 'coordination has no quorum?',
  }),
  NO_ZOOKEEPER: (type) => ({
    what: `no ZooKeeper/Keeper session (${type})`,
    hint: "check the server's coordination config and that the ensemble has quorum",
  }),
  KEEPER_EXCEPTION: (type) => ({
    what: `coordination request failed (${type})`,
    hint: 'session lost or ensemble without quorum?',
  }),
  UNEXPECTED_ZOOKEEPER_ERROR: (type) => ({
    what: `coordination request failed (${type})`,
    hint: 'session lost or ensemble without quorum?',
  }),
  UNKNOWN_STATUS_OF_INSERT: (type) => ({
    what: `insert outcome unknown (${type})`,
    hint: 'the coordination session was lost during the insert',
  }),
  UNKNOWN_TABLE: (type) => ({ what: `table missing (${type})`, hint: 'create it or correct the config' }),
  UNKNOWN_DATABASE: (type) => ({
    what: `database missing (${type})`,
    hint: 'create it or correct the config',
  }),
  TOO_MANY_PARTS: (type) => ({ what: `too many parts (${type})`, hint: 'merges are falling behind inserts' }),
  READONLY: (type) => ({
    what: `user may not write (${type})`,
    hint: "give the chdr user's profile readonly = 0",
  }),
  ACCESS_DENIED: (type) => ({
    what: `access denied (${type})`,
    hint: 'grant the chdr user the needed rights',
  }),
  MEMORY_LIMIT_EXCEEDED: (type) => ({ what: `out of memory (${type})`, hint: 'the server is overloaded?' }),
  TOO_MANY_SIMULTANEOUS_QUERIES: (type) => ({
    what: `too many queries (${type})`,
    hint: 'the server is overloaded?',
  }),
};

const BY_FAILURE: Record<ProbeFailureCode, FailureExplanation> = {
  [PROBE_FAILURES.timeout]: { what: 'no reply in time', hint: 'server overloaded or network slow?' },
  [PROBE_FAILURES.refused]: { what: 'connection refused', hint: 'is clickhouse-server running?' },
  [PROBE_FAILURES.reset]: {
    what: 'connection reset',
    hint: 'server restarting, or a proxy dropping connections?',
  },
  [PROBE_FAILURES.unreachable]: {
    what: 'unreachable',
    hint: 'check the network path, DNS and security groups',
  },
  [PROBE_FAILURES.notServing]: { what: 'not serving', hint: 'check the server log' },
  [PROBE_FAILURES.notAllowed]: { what: 'request not allowed', hint: 'check the server config' },
  [PROBE_FAILURES.badReply]: {
    what: 'unreadable reply',
    hint: 'unexpected server version, or a proxy in the way?',
  },
  [PROBE_FAILURES.httpError]: {
    what: 'unexpected HTTP status',
    hint: 'a proxy in the way, or the handler disabled?',
  },
  [PROBE_FAILURES.serverError]: { what: 'server error', hint: 'check the server log' },
  [PROBE_FAILURES.authFailed]: {
    what: 'credentials refused',
    hint: 'check the user and its password secret',
  },
  [PROBE_FAILURES.tls]: {
    what: 'TLS handshake failed (certificate not trusted, wrong host name, or not an HTTPS port)',
    hint: "set caFile on the replica to the CA bundle that signed the server's certificate, and check https_port",
  },
};

/** Explains a failed probe; branches on the exception type first, then on the failure code. */
export const explainFailure = ({ code, serverErrorType }: FailureFacts): FailureExplanation => {
  if (serverErrorType !== undefined) {
    const byType = BY_TYPE[serverErrorType];
    if (byType !== undefined) return byType(serverErrorType);
    if (AUTH_EXCEPTION_TYPES.includes(serverErrorType)) {
      return {
        what: `credentials refused (${serverErrorType})`,
        hint: BY_FAILURE[PROBE_FAILURES.authFailed].hint,
      };
    }
    if (TIMEOUT_EXCEPTION_TYPES.includes(serverErrorType)) {
      return { what: `server timed out (${serverErrorType})`, hint: BY_FAILURE[PROBE_FAILURES.timeout].hint };
    }
    return { what: `${BY_FAILURE[code].what} (${serverErrorType})`, hint: BY_FAILURE[code].hint };
  }
  return BY_FAILURE[code];
};
