import { PROBE_FAILURES } from '../probe/index.js';
import { MAX_EXCERPT_CHARS, REPLIES } from './constants.js';
import type { IsroMode, MntrReport, ParseResult, SrvrReport } from './types.js';

/**
 * Every 4lw reply is parsed here, once. Parsers never throw: a reply that is not of the expected shape is a
 * `BAD_REPLY` quoting a short excerpt, and the refusals any command can get (not serving, not allowed) are
 * recognised before the command's own format.
 */

type Failure = Extract<ParseResult<never>, { ok: false }>;

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });

/** A JSON-quoted excerpt: control characters visible, never the whole reply. */
export const excerpt = (text: string): string =>
  JSON.stringify(text.length > MAX_EXCERPT_CHARS ? text.slice(0, MAX_EXCERPT_CHARS) : text) +
  (text.length > MAX_EXCERPT_CHARS ? '…' : '');

const badReply = (what: string, text: string): Failure => ({
  ok: false,
  code: PROBE_FAILURES.badReply,
  reason: `${what}: ${excerpt(text)}`,
});

/** Replies any word can get instead of its own answer. */
const recogniseRefusal = (word: string, text: string): Failure | undefined => {
  if (text.length === 0) {
    return {
      ok: false,
      code: PROBE_FAILURES.notAllowed,
      reason: `${word} got an empty reply: Keeper closes without answering a word missing from four_letter_word_allow_list`,
    };
  }
  const line = text.trimEnd();
  if (line === REPLIES.keeperNotServing) {
    return {
      ok: false,
      code: PROBE_FAILURES.notServing,
      reason: `${word}: Keeper is not serving requests (no leader, no quorum, or recovery mode)`,
    };
  }
  if (line === REPLIES.zooKeeperNotServing) {
    return {
      ok: false,
      code: PROBE_FAILURES.notServing,
      reason: `${word}: ZooKeeper is not serving requests (no quorum or election in progress)`,
    };
  }
  if (line.endsWith(REPLIES.zooKeeperNotWhitelistedSuffix) && !line.includes('\n')) {
    return {
      ok: false,
      code: PROBE_FAILURES.notAllowed,
      reason: `${word} is not in ZooKeeper's 4lw.commands.whitelist`,
    };
  }
  return undefined;
};

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const toNumber = (value: string): number | undefined => (NUMBER.test(value) ? Number(value) : undefined);

/** Splits a reply into lines; `undefined` when it does not end with a newline (the server closed mid-line). */
const completeLines = (text: string): string[] | undefined =>
  text.endsWith('\n') ? text.slice(0, -1).split('\n') : undefined;

const MNTR_NUMBERS = {
  avgLatencyMs: 'zk_avg_latency',
  maxLatencyMs: 'zk_max_latency',
  minLatencyMs: 'zk_min_latency',
  outstandingRequests: 'zk_outstanding_requests',
  znodeCount: 'zk_znode_count',
  numAliveConnections: 'zk_num_alive_connections',
  openFileDescriptors: 'zk_open_file_descriptor_count',
  maxFileDescriptors: 'zk_max_file_descriptor_count',
} as const;

const MNTR_LEADER_COUNTS = {
  followers: 'zk_followers',
  syncedFollowers: 'zk_synced_followers',
  learners: 'zk_learners',
  syncedObservers: 'zk_synced_observers',
  syncedNonVotingFollowers: 'zk_synced_non_voting_followers',
} as const;

const MNTR_KEYS = [
  'zk_server_state',
  'zk_version',
  ...Object.values(MNTR_NUMBERS),
  ...Object.values(MNTR_LEADER_COUNTS),
];

/**
 * The lines of the mntr keys chdr reads, picked in one pass: every other line (ZooKeeper 3.6+ prints some
 * 500) is checked for shape only.
 */
const MNTR_READ = new RegExp(`^(${MNTR_KEYS.join('|')})\\t([^\\n]*)$`, 'gm');

/** Every line `zk_<key><TAB><value>` (blank lines allowed), checked in one pass of the regular expression engine. */
const MNTR_SHAPE = /^(?:(?:zk_[^\t\n]*\t[^\n]*)?\n)*$/;

/** The first line of a reply that is not `zk_<key><TAB><value>`, for the message (bad replies only). */
const firstBadMntrLine = (text: string): Failure => {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line !== '' && !/^zk_[^\t\n]*\t/.test(line));
  return badReply(`mntr line ${index + 1} is not "zk_<key><TAB><value>"`, lines[index] ?? '');
};

/**
 * `mntr`: `zk_<key>\t<value>\n` lines, read by key (ZooKeeper's order is not stable). A ZooKeeper 3.8 reply
 * is some 550 lines (19 KB) and the agent reads one per node and cycle: its shape is checked by one regular
 * expression and the few keys read are picked by another, instead of a loop over every line.
 */
export const parseMntr = (text: string): ParseResult<MntrReport> => {
  const refusal = recogniseRefusal('mntr', text);
  if (refusal) return refusal;
  if (!text.endsWith('\n'))
    return badReply('mntr reply ends mid-line (connection closed early?)', text.slice(-MAX_EXCERPT_CHARS));
  if (!MNTR_SHAPE.test(text)) return firstBadMntrLine(text);

  const found = new Map<string, string>();
  for (const [, key, value] of text.matchAll(MNTR_READ)) found.set(key!, value!);

  const serverState = found.get('zk_server_state');
  if (serverState === undefined || serverState === '')
    return badReply('mntr reply has no zk_server_state', text);

  const numbers = {} as Record<keyof typeof MNTR_NUMBERS, number | null>;
  for (const [field, key] of Object.entries(MNTR_NUMBERS) as [keyof typeof MNTR_NUMBERS, string][]) {
    const value = found.get(key);
    const parsed = value === undefined ? null : toNumber(value);
    if (parsed === undefined) return badReply(`mntr ${key} is not a number`, value ?? '');
    numbers[field] = parsed;
  }
  const counts: Partial<Record<keyof typeof MNTR_LEADER_COUNTS, number>> = {};
  for (const [field, key] of Object.entries(MNTR_LEADER_COUNTS) as [
    keyof typeof MNTR_LEADER_COUNTS,
    string,
  ][]) {
    const value = found.get(key);
    if (value === undefined) continue;
    const parsed = toNumber(value);
    if (parsed === undefined) return badReply(`mntr ${key} is not a number`, value);
    counts[field] = parsed;
  }

  return ok({ serverState, version: found.get('zk_version') ?? null, ...numbers, ...counts });
};

const ZXID = /^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/;
const LATENCY = /^([\d.eE+-]+)\/([\d.eE+-]+)\/([\d.eE+-]+)$/;

const optionalNumber = (raw: Record<string, string>, key: string): number | null | undefined => {
  const value = raw[key];
  return value === undefined ? null : toNumber(value);
};

/**
 * `srvr` or `stat`: `Key: value` lines. The `Clients:` block of `stat` (indented lines, then a blank line)
 * is skipped. `Mode` and `Zxid` are required.
 */
export const parseSrvr = (text: string): ParseResult<SrvrReport> => {
  const refusal = recogniseRefusal('srvr', text);
  if (refusal) return refusal;
  const lines = completeLines(text);
  if (!lines)
    return badReply('srvr reply ends mid-line (connection closed early?)', text.slice(-MAX_EXCERPT_CHARS));

  const raw: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '' || line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return badReply(`srvr line ${index + 1} is not "Key: value"`, line);
    raw[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }

  const mode = raw.Mode;
  if (mode === undefined || mode === '') return badReply('srvr reply has no Mode', text);
  const zxidText = raw.Zxid;
  if (zxidText === undefined || !ZXID.test(zxidText))
    return badReply('srvr reply has no readable Zxid', zxidText ?? text);
  const zxid = BigInt(zxidText);

  let latency: SrvrReport['latency'] = null;
  const latencyText = raw['Latency min/avg/max'];
  if (latencyText !== undefined) {
    const match = LATENCY.exec(latencyText);
    const [minMs, avgMs, maxMs] = (match?.slice(1) ?? []).map(toNumber);
    if (minMs === undefined || avgMs === undefined || maxMs === undefined) {
      return badReply('srvr Latency min/avg/max is not "min/avg/max"', latencyText);
    }
    latency = { minMs, avgMs, maxMs };
  }

  const outstanding = optionalNumber(raw, 'Outstanding');
  const connections = optionalNumber(raw, 'Connections');
  const nodeCount = optionalNumber(raw, 'Node count');
  if (outstanding === undefined || connections === undefined || nodeCount === undefined) {
    return badReply('srvr Outstanding, Connections or Node count is not a number', text);
  }
  const versionKey = Object.keys(raw).find((key) => key.toLowerCase().endsWith(' version'));

  return ok({
    version: versionKey === undefined ? null : raw[versionKey]!,
    mode,
    zxid,
    zxidHex: `0x${zxid.toString(16)}`,
    latency,
    outstanding,
    connections,
    nodeCount,
    raw,
  });
};

/** `isro`: `ro` (Keeper learner, ZooKeeper read-only mode) or `rw`; ZooKeeper's `null` means not serving. */
export const parseIsro = (text: string): ParseResult<IsroMode> => {
  const refusal = recogniseRefusal('isro', text);
  if (refusal) return refusal;
  const answer = text.trimEnd();
  if (answer === 'ro' || answer === 'rw') return ok(answer);
  if (answer === REPLIES.zooKeeperIsroNotServing) {
    return {
      ok: false,
      code: PROBE_FAILURES.notServing,
      reason: 'isro: ZooKeeper answered null (not serving requests)',
    };
  }
  return badReply('isro reply is neither ro nor rw', text);
};

/** `ruok`: `imok` says the process is up, not that it has quorum. */
export const parseRuok = (text: string): ParseResult<true> => {
  const refusal = recogniseRefusal('ruok', text);
  if (refusal) return refusal;
  return text.trimEnd() === REPLIES.imok ? ok(true) : badReply('ruok reply is not imok', text);
};

/**
 * `conf`: generic `key=value` lines (the keys differ between versions; the last of a repeated key wins).
 * Lines without `=` (ZooKeeper's `membership:` header) are skipped; a reply with no `key=value` at all is not conf.
 */
export const parseConf = (text: string): ParseResult<Record<string, string>> => {
  const refusal = recogniseRefusal('conf', text);
  if (refusal) return refusal;
  const conf: Record<string, string> = Object.create(null) as Record<string, string>;
  let pairs = 0;
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    conf[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
    pairs += 1;
  }
  return pairs > 0 ? ok(conf) : badReply('conf reply has no key=value line', text);
};
