import type { CheckStatus } from '../health/index.js';

/** One problem of a server or table: how bad, what, and where a person should look. */
export interface Finding {
  status: CheckStatus;
  text: string;
  hint: string;
}

export const HINTS = {
  readonly: 'check coordination quorum',
  readonlyNoSession: 'check the coordination config and that the ensemble has quorum',
  readonlyOther: 'check system.replicas and the server log (metadata missing in coordination?)',
  delay: 'check fetches and merges on this replica and the network to the others',
  queue: 'check merges and fetches on this replica (system.replication_queue)',
  inactive: 'another replica is down or has lost its coordination session',
  logLag: 'the replica is slow to pull the replication log: check its coordination session and load',
  inserts: 'fetches of new parts are falling behind: check the network to the other replicas',
  parts: 'merges are falling behind inserts: insert bigger, rarer batches or check merges',
  clock: 'check NTP (chrony) on the server and on the agent',
  sessions: 'more than one coordination session: check the <zookeeper> config for duplicates',
  hardware: 'the server lost or re-created its coordination session: check the ensemble and the network',
  rejected: 'inserts were refused (TOO_MANY_PARTS): clients lost those writes unless they retried',
} as const;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
