import type { Thresholds, Topology } from '../config/index.js';
import type { Check } from '../health/index.js';
import type { Clock, ProbeResult } from '../probe/index.js';
import type { HEARTBEAT_MEMORY_VERSION, HEARTBEAT_OUTCOMES } from './constants.js';

export type HeartbeatSettings = Topology['heartbeat'];

export type HeartbeatOutcome = (typeof HEARTBEAT_OUTCOMES)[keyof typeof HEARTBEAT_OUTCOMES];

export interface HeartbeatRequestOptions {
  /** Budget for the whole operation, including creating the table and retrying. */
  timeoutMs: number;
  clock: Clock;
}

export interface HeartbeatWrite {
  /** When the server acknowledged the insert, by the injected clock (ms since the epoch). */
  writtenAt: number;
  /** The table was missing and this write created it. */
  createdTable: boolean;
}

export interface HeartbeatRow {
  siteId: string;
  /** Newest `updated_at` of the site, Unix seconds (written by the writer's server clock). */
  lastUpdatedAt: number;
}

export interface HeartbeatReading {
  /** The reading server's `now()`, Unix seconds. */
  serverNow: number;
  rows: HeartbeatRow[];
}

export interface HeartbeatSourceMemory {
  lastUpdatedAt: number;
  /** Consecutive successful reads that found `lastUpdatedAt` unchanged. */
  unchangedCycles: number;
  /** When this `lastUpdatedAt` was first read (ms since the epoch, injected clock). */
  firstReadAt: number;
}

/** What the heartbeat verdict remembers between cycles: plain JSON, persisted by the caller. */
export interface HeartbeatMemory {
  version: typeof HEARTBEAT_MEMORY_VERSION;
  sources: Record<string, HeartbeatSourceMemory>;
}

export type HeartbeatThresholds = Pick<
  Thresholds,
  'heartbeatLagWarnSeconds' | 'heartbeatLagCriticalSeconds' | 'stalledCycles'
>;

export interface HeartbeatAssessInput {
  /** The site that reads (and writes its own heartbeat). */
  selfSite: string;
  /** The other sites whose heartbeats should arrive here. */
  sources: readonly string[];
  read: ProbeResult<HeartbeatReading>;
  /** This cycle's write of the own heartbeat; omitted when the cycle did not write. */
  write?: ProbeResult<HeartbeatWrite>;
  previous: HeartbeatMemory | undefined;
  thresholds: HeartbeatThresholds;
  clock: Clock;
}

export interface HeartbeatAssessment {
  checks: Check[];
  memory: HeartbeatMemory;
}
