import type { StateStore } from '../state/index.js';
import {
  JOURNAL_TTL_SECONDS,
  MAX_FINDINGS_EXCERPT_CHARS,
  MAX_OUTPUT_EXCERPT_CHARS,
  RUN_RESULTS,
  STATE_KEYS,
} from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { OperationKind, RunRecord } from './types.js';

export interface OpenRun {
  runId: string;
  kind: OperationKind;
  from: string;
  to: string;
  since: string;
}

export const runKey = (runId: string): string => `${STATE_KEYS.runPrefix}${runId}`;

/** Run ids sort by start time: `20260523T101112Z-ab12`. */
export const newRunId = (now: number): string =>
  `${new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 6)}`;

/** Keeps the start and the end of long output; journals stay small and readable. */
export const outputExcerpt = (lines: readonly string[], maxChars = MAX_OUTPUT_EXCERPT_CHARS): string => {
  const text = lines.join('\n');
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n…[${text.length - 2 * half} chars cut]…\n${text.slice(-half)}`;
};

/** A step's output: its transcript cut to its budget, then its findings under a budget of their own. */
export const stepOutput = (transcript: readonly string[], findings: readonly string[]): string =>
  [outputExcerpt(transcript), outputExcerpt(findings, MAX_FINDINGS_EXCERPT_CHARS)].filter(Boolean).join('\n');

/** The journal of one run, written through with conditional writes (one writer: the lock holder). */
export class RunJournal {
  private constructor(
    private readonly store: StateStore,
    public record: RunRecord,
    private version: number,
  ) {}

  static async create(store: StateStore, record: RunRecord): Promise<RunJournal> {
    const item = await store.put(runKey(record.runId), record, {
      expectedVersion: 0,
      ttlSeconds: JOURNAL_TTL_SECONDS,
    });
    if (!item)
      throw new FailoverError(
        FAILOVER_ERROR_CODES.locked,
        `run ${record.runId} already exists in the journal`,
      );
    return new RunJournal(store, record, item.version);
  }

  static async load(store: StateStore, runId: string): Promise<RunJournal | undefined> {
    const item = await store.get<RunRecord>(runKey(runId));
    return item ? new RunJournal(store, item.value, item.version) : undefined;
  }

  /** A resumed run: one more attempt, running again. */
  async startAttempt(): Promise<void> {
    this.record.attempts += 1;
    this.record.result = RUN_RESULTS.running;
    await this.save();
  }

  async save(): Promise<void> {
    const item = await this.store.put(runKey(this.record.runId), this.record, {
      expectedVersion: this.version,
      ttlSeconds: JOURNAL_TTL_SECONDS,
    });
    if (!item) {
      throw new FailoverError(
        FAILOVER_ERROR_CODES.lockLost,
        `journal of run ${this.record.runId} was changed by another process`,
      );
    }
    this.version = item.version;
  }
}

export const readOpenRun = async (store: StateStore): Promise<OpenRun | undefined> =>
  (await store.get<OpenRun>(STATE_KEYS.open))?.value;

export const setOpenRun = async (store: StateStore, open: OpenRun): Promise<void> => {
  await store.put(STATE_KEYS.open, open);
};

export const clearOpenRun = async (store: StateStore, runId: string): Promise<void> => {
  const current = await store.get<OpenRun>(STATE_KEYS.open);
  if (current?.value.runId === runId)
    await store.delete(STATE_KEYS.open, { expectedVersion: current.version });
};

/** Every run in the journal, oldest first. */
export const listRuns = async (store: StateStore): Promise<RunRecord[]> =>
  (await store.list<RunRecord>(STATE_KEYS.runPrefix))
    .map((item) => item.value)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
