export { sendFourLetterWord } from './client.js';
export { parseMntr, parseSrvr, parseIsro, parseRuok, parseConf } from './parse.js';
export { probeCoordinationNode, type ProbeNodeOptions } from './probe.js';
export {
  assessCoordinationNode,
  assessEnsemble,
  type EnsembleExpectations,
  type EnsembleMember,
  type NodeLimits,
} from './assess.js';
export { allowListFindings } from './lint.js';
export { FOUR_LETTER_WORDS, NODE_ROLES, ALLOW_LIST_FINDINGS, DEFAULT_MAX_REPLY_BYTES } from './constants.js';
export type * from './types.js';
