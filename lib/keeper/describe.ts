import { PROBE_FAILURES, type ProbeFailureCode, type ProbeResult } from '../probe/index.js';
import { FOUR_LETTER_WORDS } from './constants.js';
import type { FourLetterWord, NodeProbe } from './types.js';

/** Wording shared by the node and ensemble verdicts. */

const FAILURE_WORDS: Partial<Record<ProbeFailureCode, string>> = {
  [PROBE_FAILURES.timeout]: 'timed out',
  [PROBE_FAILURES.refused]: 'connection refused',
  [PROBE_FAILURES.reset]: 'connection reset',
  [PROBE_FAILURES.unreachable]: 'host unreachable',
};

type Failure = Extract<ProbeResult<unknown>, { ok: false }>;

/** The words asked, with their results (srvr, ruok and isro are asked only when needed). */
export const answersOf = (
  probe: Pick<NodeProbe, 'mntr' | 'srvr' | 'isro' | 'ruok'>,
): [FourLetterWord, ProbeResult<unknown>][] => {
  const asked: [FourLetterWord, ProbeResult<unknown> | undefined][] = [
    [FOUR_LETTER_WORDS.mntr, probe.mntr],
    [FOUR_LETTER_WORDS.srvr, probe.srvr],
    [FOUR_LETTER_WORDS.isro, probe.isro],
    [FOUR_LETTER_WORDS.ruok, probe.ruok],
  ];
  return asked.filter((answer): answer is [FourLetterWord, ProbeResult<unknown>] => answer[1] !== undefined);
};

export const firstFailure = (probe: NodeProbe): Failure | undefined =>
  answersOf(probe)
    .map(([, result]) => result)
    .find((result): result is Failure => !result.ok);

export const serverName = (probe: Pick<NodeProbe, 'kind'>): string =>
  probe.kind === 'keeper' ? 'Keeper' : 'ZooKeeper';

export const allowListName = (probe: Pick<NodeProbe, 'kind'>): string =>
  probe.kind === 'keeper' ? 'four_letter_word_allow_list' : '4lw.commands.whitelist';

export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

const joinWords = (words: readonly string[]): string =>
  words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;

/**
 * Why a node's state could not be read, and what to change: the words it refused (allow list), or that
 * the port seems to speak TLS, or the garbage it sent.
 */
export const unreadableHint = (probe: NodeProbe): string => {
  const failed = answersOf(probe).filter(([, result]) => !result.ok);
  const refused = failed.filter(([, result]) => !result.ok && result.code === PROBE_FAILURES.notAllowed);
  const stateWords = refused
    .map(([word]) => word)
    .filter((word) => word === FOUR_LETTER_WORDS.mntr || word === FOUR_LETTER_WORDS.srvr);
  if (refused.length === failed.length && refused.length === answersOf(probe).length) {
    return `every word got an empty reply: allow ${joinWords(refused.map(([word]) => word))} in ${allowListName(probe)}, or, if the port speaks TLS, set tls: true on the node`;
  }
  if (stateWords.length > 0) return `allow ${joinWords(stateWords)} in ${allowListName(probe)}`;
  const why = firstFailure(probe);
  return why?.reason ?? 'unrecognised server state';
};

/** A node's state in a few words, for lists in ensemble summaries. */
export const stateOf = (probe: NodeProbe): string => {
  switch (probe.role) {
    case 'unreachable': {
      const code = firstFailure(probe)?.code;
      return `unreachable (${(code && FAILURE_WORDS[code]) ?? code ?? 'no reply'})`;
    }
    case 'not-serving':
      return 'not serving';
    case 'unknown':
      return `unreadable: ${unreadableHint(probe)}`;
    case 'observer':
      return 'observing';
    default:
      return probe.role;
  }
};
