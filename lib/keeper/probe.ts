import type { CoordinationNode } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { PROBE_FAILURES, failureCodeOf, probeFailed, type Clock, type ProbeResult } from '../probe/index.js';
import { FOUR_LETTER_WORDS, MAX_TLS_SNIFF_MS } from './constants.js';
import { answersOf } from './describe.js';
import { parseIsro, parseMntr, parseRuok, parseSrvr } from './parse.js';
import { sendWord } from './send-word.js';
import type { FourLetterWord, NodeProbe, NodeRole, ParseResult, SendWord } from './types.js';

export interface ProbeNodeOptions {
  timeoutMs: number;
  clock: Clock;
  /** The 4lw seam; defaults to `sendWord` (a real connection per word, TLS when the node says so). */
  send?: SendWord;
  /** Ask `srvr` beside `mntr` for the node's zxid (mntr has none); otherwise srvr is only mntr's fallback. */
  zxid?: boolean;
}

type Answers = Pick<NodeProbe, 'ruok' | 'mntr' | 'srvr' | 'isro'>;

/** The results of the words that were asked. */
const answered = (answers: Answers): ProbeResult<unknown>[] => answersOf(answers).map(([, result]) => result);

const TRANSPORT_FAILURES: ReadonlySet<string> = new Set([
  PROBE_FAILURES.timeout,
  PROBE_FAILURES.refused,
  PROBE_FAILURES.reset,
  PROBE_FAILURES.unreachable,
]);

/** True when the node never answered: the connection failed, was reset, or stayed silent. */
const isTransportFailure = (result: ProbeResult<unknown>): boolean =>
  !result.ok && TRANSPORT_FAILURES.has(result.code);

const isNotServing = (result: ProbeResult<unknown>): boolean =>
  !result.ok && result.code === PROBE_FAILURES.notServing;

/**
 * The role from what the node said. Keeper reports a learner as `standalone` (never `observer`): only its
 * `isro` answer `ro` tells it apart. A ZooKeeper observer says `observer`; ZooKeeper's `read-only` mode
 * (quorum lost, readonlymode.enabled) serves no writes, so it counts as not serving.
 */
const deriveRole = (kind: NodeProbe['kind'], results: Answers): NodeRole => {
  const all = answered(results);
  if (all.every(isTransportFailure)) return 'unreachable';
  if (all.some(isNotServing)) return 'not-serving';
  const state = results.mntr.ok
    ? results.mntr.value.serverState
    : results.srvr?.ok
      ? results.srvr.value.mode
      : undefined;
  switch (state) {
    case 'leader':
    case 'follower':
    case 'observer':
      return state;
    case 'standalone':
      return kind === 'keeper' && results.isro?.ok && results.isro.value === 'ro' ? 'observer' : 'standalone';
    case 'read-only':
      return 'not-serving';
    default:
      return 'unknown';
  }
};

/**
 * A plain-TCP client on a TLS port (Keeper `tcp_port_secure`, ZooKeeper `secureClientPort`) gets no reply:
 * the server waits for a handshake. When every word timed out after the connection was accepted, one TLS
 * handshake tells a TLS port apart from a hung server; a TLS port's node is then unknown, not unreachable.
 */
const explainSilence = async (
  node: CoordinationNode,
  answers: Answers,
  send: SendWord,
  timeoutMs: number,
): Promise<Answers> => {
  const silent = answered(answers).every(
    (result) => !result.ok && result.code === PROBE_FAILURES.timeout && result.connected,
  );
  if (node.tls || !silent) return answers;
  // A TLS server answers a ClientHello within one round trip: a short wait keeps a hung server's cost low.
  const sniffMs = Math.min(timeoutMs, MAX_TLS_SNIFF_MS);
  const overTls = await send(
    { ...node, tls: true, caFile: undefined },
    FOUR_LETTER_WORDS.ruok,
    sniffMs,
  ).catch(() => undefined);
  if (overTls === undefined || (!overTls.ok && overTls.code !== PROBE_FAILURES.tls)) return answers;
  const speaksTls = (word: FourLetterWord, result: ProbeResult<unknown>) => ({
    ok: false as const,
    code: PROBE_FAILURES.tls,
    reason: `${word}: no reply in plain TCP, but the port completes a TLS handshake: set tls: true on ${node.name} (and caFile for a private CA)`,
    elapsedMs: result.elapsedMs,
  });
  return {
    mntr: speaksTls(FOUR_LETTER_WORDS.mntr, answers.mntr),
    ...(answers.srvr && { srvr: speaksTls(FOUR_LETTER_WORDS.srvr, answers.srvr) }),
    ...(answers.ruok && { ruok: speaksTls(FOUR_LETTER_WORDS.ruok, answers.ruok) }),
    ...(answers.isro && { isro: speaksTls(FOUR_LETTER_WORDS.isro, answers.isro) }),
  };
};

type Ask = <T>(word: FourLetterWord, parse: (text: string) => ParseResult<T>) => Promise<ProbeResult<T>>;

/** A word that got an answer which was not the node's state: refused, garbled, or not serving. */
const answeredWithout = (result: ProbeResult<unknown>): boolean =>
  !result.ok && !isTransportFailure(result) && !isNotServing(result);

/**
 * The words, in stages, each asked only when the answers so far leave the node's state open: `mntr` (and
 * `srvr` beside it when the zxid is wanted); `srvr` when mntr was refused or garbled (stock ZooKeeper
 * allows only srvr); `isro` of a Keeper that says standalone (a learner says ro); `ruok` and `isro` when
 * nothing told the state (alive? which words does it allow?). A node that is down or silent is asked
 * nothing more: a second word would cost a second timeout. A healthy node costs one connection a cycle.
 */
const askInStages = async (kind: NodeProbe['kind'], ask: Ask, zxid: boolean): Promise<Answers> => {
  const [mntr, srvr] = await Promise.all([
    ask(FOUR_LETTER_WORDS.mntr, parseMntr),
    zxid ? ask(FOUR_LETTER_WORDS.srvr, parseSrvr) : undefined,
  ]);
  let answers: Answers = { mntr, ...(srvr && { srvr }) };
  if (srvr === undefined && answeredWithout(mntr)) {
    answers = { ...answers, srvr: await ask(FOUR_LETTER_WORDS.srvr, parseSrvr) };
  }
  const role = deriveRole(kind, answers);
  if (role === 'unknown') {
    const [ruok, isro] = await Promise.all([
      ask(FOUR_LETTER_WORDS.ruok, parseRuok),
      ask(FOUR_LETTER_WORDS.isro, parseIsro),
    ]);
    return { ...answers, ruok, isro };
  }
  if (role === 'standalone' && kind === 'keeper') {
    return { ...answers, isro: await ask(FOUR_LETTER_WORDS.isro, parseIsro) };
  }
  return answers;
};

/**
 * Probes one Keeper or ZooKeeper node (one connection per word, as 4lw requires; see askInStages) and
 * derives its role. Never throws, even when an injected `send` does.
 */
export const probeCoordinationNode = async (
  node: CoordinationNode,
  options: ProbeNodeOptions,
): Promise<NodeProbe> => {
  const { clock, timeoutMs } = options;
  const send = options.send ?? sendWord;
  const startedAt = clock.now();

  const ask: Ask = async (word, parse) => {
    let reply: ProbeResult<string>;
    try {
      reply = await send(node, word, timeoutMs);
    } catch (error) {
      return probeFailed(failureCodeOf(error), `${word}: ${describeError(error)}`, startedAt, clock);
    }
    if (!reply.ok) return reply;
    const parsed = parse(reply.value);
    return parsed.ok
      ? { ok: true, value: parsed.value, elapsedMs: reply.elapsedMs }
      : { ok: false, code: parsed.code, reason: parsed.reason, elapsedMs: reply.elapsedMs };
  };

  const answers = await askInStages(node.kind, ask, options.zxid ?? false);
  const results = await explainSilence(node, answers, send, timeoutMs);
  return {
    node: node.name,
    kind: node.kind,
    endpoint: `${node.host}:${node.clientPort}`,
    role: deriveRole(node.kind, results),
    ...results,
    elapsedMs: clock.now() - startedAt,
  };
};
