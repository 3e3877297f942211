import type { CheckStatus, NodeRole } from '../health/index.js';
import type { Clock, ProbeFailureCode, ProbeResult } from '../probe/index.js';
import type { CoordinationNode } from '../config/index.js';
import type {
  ALLOW_LIST_FINDINGS,
  FOUR_LETTER_WORDS,
  STATE_CHANGING_FOUR_LETTER_WORDS,
} from './constants.js';

export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[keyof typeof FOUR_LETTER_WORDS];
/** Words that change the server's state: only the failover engine sends them. */
export type StateChangingWord =
  (typeof STATE_CHANGING_FOUR_LETTER_WORDS)[keyof typeof STATE_CHANGING_FOUR_LETTER_WORDS];
export type { NodeRole };
export type IsroMode = 'ro' | 'rw';

/** A parser's answer: the typed value, or why the reply is not one (never throws). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ProbeFailureCode; reason: string };

/** `mntr`, by key. Numbers are null when the server did not print the key; leader-only counts are absent. */
export interface MntrReport {
  /** `leader`, `follower`, `observer`, `standalone` (ZooKeeper also `read-only`). */
  serverState: string;
  version: string | null;
  avgLatencyMs: number | null;
  maxLatencyMs: number | null;
  minLatencyMs: number | null;
  outstandingRequests: number | null;
  znodeCount: number | null;
  numAliveConnections: number | null;
  /** Unix servers only. */
  openFileDescriptors: number | null;
  maxFileDescriptors: number | null;
  /** Keeper < 26.3 and 26.3 leaders; ZooKeeper ≥ 3.6 has none. */
  followers?: number;
  syncedFollowers?: number;
  /** Keeper 26.3 leader (voters + learners responding); ZooKeeper leader (followers + observers). */
  learners?: number;
  /** ZooKeeper: observers synced to this leader or observer master. */
  syncedObservers?: number;
  /** Keeper 26.3: learners (our observers) within stale_log_gap. ZooKeeper: non-voting followers, not observers. */
  syncedNonVotingFollowers?: number;
}

/** `srvr` or `stat` (the client list of `stat` is skipped). */
export interface SrvrReport {
  version: string | null;
  /** `Mode:` as printed: leader, follower, observer, standalone, read-only. */
  mode: string;
  /** Keeper prints a plain counter; ZooKeeper `epoch << 32 | counter`. */
  zxid: bigint;
  /** `0x` + lower-case hex, leading zeros trimmed (Keeper's `formatZxid`). */
  zxidHex: string;
  latency: { minMs: number; avgMs: number; maxMs: number } | null;
  outstanding: number | null;
  connections: number | null;
  nodeCount: number | null;
  raw: Record<string, string>;
}

export interface FourLetterTarget {
  host: string;
  port: number;
  /** Speak TLS on this port; `ca` is the PEM bundle to trust (the system's CAs when absent). */
  tls?: { ca?: string };
}

/** The part of a socket the 4lw client uses; `net.Socket` fits. */
export interface FourLetterSocket {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'connect' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  write(data: string): unknown;
  destroy(): unknown;
}

export type Connect = (target: FourLetterTarget) => FourLetterSocket;

export interface SendOptions {
  /** Covers connect and the whole reply. */
  timeoutMs: number;
  maxReplyBytes?: number;
  connect?: Connect;
  clock?: Clock;
}

export type SendFourLetterWord = (
  target: FourLetterTarget,
  word: FourLetterWord | StateChangingWord,
  options: SendOptions,
) => Promise<ProbeResult<string>>;

/**
 * The one 4lw seam, injected into the cycle (probes, security lint) and the failover engine: sends one word
 * to a coordination node over plain TCP or TLS as the node's config says. Never throws.
 */
export type SendWord = (
  node: CoordinationNode,
  word: FourLetterWord | StateChangingWord,
  timeoutMs: number,
) => Promise<ProbeResult<string>>;

/**
 * What one node answered to mntr, and to the other words when they were asked (probeCoordinationNode
 * asks them only when needed), and the role derived from it.
 */
export interface NodeProbe {
  node: string;
  kind: 'keeper' | 'zookeeper';
  endpoint: string;
  role: NodeRole;
  mntr: ProbeResult<MntrReport>;
  /** Asked for the zxid, or when mntr was refused or garbled. */
  srvr?: ProbeResult<SrvrReport>;
  /** Asked only when mntr and srvr did not tell the node's state. */
  ruok?: ProbeResult<true>;
  /** Asked only of a Keeper that says standalone, or when mntr and srvr did not tell the state. */
  isro?: ProbeResult<IsroMode>;
  elapsedMs: number;
}

export type AllowListFindingCode = (typeof ALLOW_LIST_FINDINGS)[keyof typeof ALLOW_LIST_FINDINGS];

export interface AllowListFinding {
  code: AllowListFindingCode;
  status: CheckStatus;
  message: string;
}

/**
 * What the live cluster roles (lib/roles) expect of the ensemble now: the nodes that vote, and the sites
 * that are fenced or lost, whose nodes are expected down and not counted. Defaults to the topology.
 */
export interface EnsembleExpectations {
  voters: ReadonlySet<string>;
  inactiveSites: ReadonlySet<string>;
}
