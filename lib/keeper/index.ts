export { sendFourLetterWord } from './client.js';
export { createSendWord, sendWord, type SendWordDeps } from './send-word.js';
export { parseMntr, parseSrvr, parseIsro, parseRuok, parseConf } from './parse.js';
export { probeCoordinationNode, type ProbeNodeOptions } from './probe.js';
export { assessCoordinationNode, expectedRoleOf, type NodeLimits } from './assess-node.js';
export { assessEnsemble, topologyExpectations, type EnsembleMember } from './assess-ensemble.js';
export { allowListFindings } from './lint.js';
export {
  FOUR_LETTER_WORDS,
  STATE_CHANGING_FOUR_LETTER_WORDS,
  NODE_ROLES,
  ALLOW_LIST_FINDINGS,
  DEFAULT_MAX_REPLY_BYTES,
} from './constants.js';
export type * from './types.js';
