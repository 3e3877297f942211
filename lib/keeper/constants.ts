/**
 * The four-letter words chdr sends. Read-only ones only: a monitor never sends `rcvr`, `ydld`, `rqld`,
 * `csnp`, `srst` or `crst`, which change the server's state.
 */
export const FOUR_LETTER_WORDS = {
  ruok: 'ruok',
  mntr: 'mntr',
  srvr: 'srvr',
  stat: 'stat',
  isro: 'isro',
  conf: 'conf',
  /** Keeper: last log index and term (the failover engine picks the most advanced node with it). */
  lgif: 'lgif',
} as const;

/** Sent only by the failover engine, on purpose: `rcvr` forces a Keeper into recovery mode. */
export const STATE_CHANGING_FOUR_LETTER_WORDS = { rcvr: 'rcvr' } as const;

/** What a probed node turned out to be (the vocabulary is shared with the checks, in lib/health). */
export { NODE_ROLES } from '../health/index.js';

/** Largest reply accepted: a ZooKeeper 3.8 leader's `mntr` is about 19 KiB with two learners. */
export const DEFAULT_MAX_REPLY_BYTES = 1_048_576;

/** Longest piece of an unexpected reply quoted in a failure reason. */
export const MAX_EXCERPT_CHARS = 60;

/** Verbatim refusals (SOURCES.md): Keeper's has no newline, ZooKeeper's ends with one. */
export const REPLIES = {
  keeperNotServing: 'This instance is not currently serving requests',
  zooKeeperNotServing: 'This ZooKeeper instance is not currently serving requests',
  /** Preceded by the word itself: `mntr is not executed because it is not in the whitelist.` */
  zooKeeperNotWhitelistedSuffix: ' is not executed because it is not in the whitelist.',
  /** ZooKeeper's `isro` when the server is not serving. */
  zooKeeperIsroNotServing: 'null',
  imok: 'imok',
} as const;

/** Keeper's `conf` key for the 4lw allow list, and the name older versions still read. */
export const ALLOW_LIST_CONF_KEYS = ['four_letter_word_allow_list', 'four_letter_word_white_list'] as const;

/** Words that let anyone who reaches the client port change the ensemble (`rcvr` forces recovery mode). */
export const DANGEROUS_FOUR_LETTER_WORDS = ['rcvr'] as const;

export const ALLOW_LIST_FINDINGS = {
  allowAll: 'KEEPER_4LW_ALLOW_ALL',
  dangerousWord: 'KEEPER_4LW_DANGEROUS_WORD',
  unreadable: 'KEEPER_CONF_UNREADABLE',
} as const;

/** How long a silent node gets to start a TLS handshake before it counts as hung rather than a TLS port. */
export const MAX_TLS_SNIFF_MS = 500;
