import { readFileSync } from 'node:fs';
import type { CoordinationNode } from '../../../lib/config/index.js';
import type { Clock, ProbeFailureCode, ProbeResult } from '../../../lib/probe/index.js';
import type { FourLetterWord, SendWord } from '../../../lib/keeper/index.js';

/** A fixture as the server sent it, byte for byte. */
export const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

export const fixedClock = (now = 1_776_680_000_000): Clock => ({ now: () => now });

export const coordinationNode = (
  overrides: Partial<CoordinationNode> & Pick<CoordinationNode, 'name'>,
): CoordinationNode => ({
  kind: 'keeper',
  host: `${overrides.name}.internal`,
  clientPort: overrides.kind === 'zookeeper' ? 2181 : 9181,
  role: 'participant',
  tls: false,
  ...overrides,
});

/** A reply per word: the text the server sends, or a transport failure. */
export type Script = Partial<Record<FourLetterWord, string | ProbeFailureCode>>;

const FAILURE_CODES = new Set<string>(['TIMEOUT', 'CONNECTION_REFUSED', 'CONNECTION_RESET', 'UNREACHABLE']);

/** A `send` that answers from a script; a missing word gets the Keeper empty reply (not allowed). */
export const scriptedSend =
  (script: Script): SendWord =>
  async (node, word) => {
    const reply = (script as Record<string, string | undefined>)[word] ?? '';
    const result: ProbeResult<string> = FAILURE_CODES.has(reply)
      ? {
          ok: false,
          code: reply as ProbeFailureCode,
          reason: `${word} to ${node.host}:${node.clientPort}: ${reply}`,
          elapsedMs: 7,
        }
      : { ok: true, value: reply, elapsedMs: 5 };
    return result;
  };

export const DOWN: Script = {
  ruok: 'CONNECTION_REFUSED',
  mntr: 'CONNECTION_REFUSED',
  srvr: 'CONNECTION_REFUSED',
  isro: 'CONNECTION_REFUSED',
};

/** Scripts built from the verbatim fixtures. */
export const keeperScripts = {
  leader: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-leader.txt'),
    srvr: fixture('keeper/srvr-leader.txt'),
    isro: fixture('keeper/isro-rw.txt'),
  },
  follower: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-follower.txt'),
    srvr: fixture('keeper/stat-follower.txt'),
    isro: fixture('keeper/isro-rw.txt'),
  },
  learner: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/mntr-observer.txt'),
    srvr: fixture('keeper/stat-follower.txt').replace('Mode: follower', 'Mode: standalone'),
    isro: fixture('keeper/isro-observer.txt'),
  },
  notServing: {
    ruok: fixture('keeper/ruok.txt'),
    mntr: fixture('keeper/not-serving.txt'),
    srvr: fixture('keeper/not-serving.txt'),
    isro: fixture('keeper/isro-rw.txt'),
  },
} satisfies Record<string, Script>;

export const zooKeeperScripts = {
  leader: {
    ruok: fixture('zookeeper/ruok.txt'),
    mntr: fixture('zookeeper/mntr-leader.txt'),
    srvr: fixture('zookeeper/srvr-leader.txt'),
    isro: fixture('zookeeper/isro-rw.txt'),
  },
  follower: {
    ruok: fixture('zookeeper/ruok.txt'),
    mntr: fixture('zookeeper/mntr-follower.txt'),
    srvr: fixture('zookeeper/stat-follower.txt'),
    isro: fixture('zookeeper/isro-rw.txt'),
  },
  observer: {
    ruok: fixture('zookeeper/ruok.txt'),
    mntr: fixture('zookeeper/mntr-observer.txt'),
    srvr: fixture('zookeeper/stat-follower.txt').replace('Mode: follower', 'Mode: observer'),
    isro: fixture('zookeeper/isro-rw.txt'),
  },
  /** 4lw.commands.whitelist=ruok,isro: mntr and srvr refused with the verbatim reply. */
  restricted: {
    ruok: fixture('zookeeper/ruok.txt'),
    mntr: fixture('zookeeper/not-whitelisted.txt'),
    srvr: fixture('zookeeper/not-whitelisted.txt').replace('mntr', 'srvr'),
    isro: fixture('zookeeper/isro-rw.txt'),
  },
  notServing: {
    ruok: fixture('zookeeper/ruok.txt'),
    mntr: fixture('zookeeper/not-serving.txt'),
    srvr: fixture('zookeeper/not-serving.txt'),
    isro: fixture('zookeeper/isro-not-serving.txt'),
  },
} satisfies Record<string, Script>;
