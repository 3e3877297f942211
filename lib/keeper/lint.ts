import { ALLOW_LIST_CONF_KEYS, ALLOW_LIST_FINDINGS, DANGEROUS_FOUR_LETTER_WORDS } from './constants.js';
import { parseConf } from './parse.js';
import type { AllowListFinding } from './types.js';

/**
 * Security lint of a Keeper `conf` reply: `four_letter_word_allow_list=*`, or a list naming `rcvr`, lets
 * anyone who reaches the client port force the node into recovery mode. (Keeper's default list names `rcvr`.)
 */
export const allowListFindings = (confText: string): AllowListFinding[] => {
  const conf = parseConf(confText);
  if (!conf.ok) {
    return [
      {
        code: ALLOW_LIST_FINDINGS.unreadable,
        status: 'warn',
        message: `cannot read Keeper conf: ${conf.reason}`,
      },
    ];
  }
  const key = ALLOW_LIST_CONF_KEYS.find((name) => conf.value[name] !== undefined);
  if (key === undefined) return [];
  const words = conf.value[key]!.split(',').map((word) => word.trim());
  if (words.includes('*')) {
    return [
      {
        code: ALLOW_LIST_FINDINGS.allowAll,
        status: 'warn',
        message: `${key}=* allows every four-letter word, including rcvr: anyone reaching the client port can force recovery mode`,
      },
    ];
  }
  return DANGEROUS_FOUR_LETTER_WORDS.filter((word) => words.includes(word)).map((word) => ({
    code: ALLOW_LIST_FINDINGS.dangerousWord,
    status: 'warn',
    message: `${key} includes ${word}: anyone reaching the client port can force recovery mode; remove it`,
  }));
};
