import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ClickHouseConnection } from '../clickhouse/types.js';
import type { FailoverSettings, ReplicaEndpoint, Site, Topology } from '../config/index.js';
import type { HostExecutor } from '../executor/index.js';
import type { InstanceFencer } from '../fence/types.js';
import type { SendWord } from '../keeper/index.js';
import type { Clock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';
import type { MeasuredLoss } from './divergence.js';
import type { NOTIFY_EVENTS, OPERATION_KINDS, RUN_RESULTS, STEP_KINDS, STEP_STATES } from './constants.js';

export type OperationKind = (typeof OPERATION_KINDS)[number];
export type StepKind = (typeof STEP_KINDS)[number];
export type StepState = (typeof STEP_STATES)[keyof typeof STEP_STATES];
export type RunResult = (typeof RUN_RESULTS)[keyof typeof RUN_RESULTS];
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

/** A run handed to a fresh invocation: its id and the one-time token in its lock. */
export interface Continuation {
  runId: string;
  token: string;
}

/** What the operator asked for. */
export interface OperationRequest {
  kind: OperationKind;
  /** The site losing (or that lost) the primary role. */
  from: string;
  /** The site taking it. */
  to: string;
  /**
   * Forced failover: proceed although the target is estimated to miss more than `failover.maxLagSeconds` of
   * the source's writes, or the estimate could not be made. Journaled.
   */
  acceptDataLoss?: boolean;
  /**
   * Forced failover: the old site's fence could not be confirmed (neither through the executor nor its
   * instances' API); the operator's words on what was done by hand. Recorded in the fence and the journal.
   */
  fenceUnconfirmed?: string;
  /**
   * Forced failover: the source's agent reported healthy writes recently (a partition, not a lost region);
   * the operator's evidence that the source is lost all the same. Journaled.
   */
  confirmRegionLost?: string;
  /** Forced failover: proceed although INSERT queries are running on the target's replicas. */
  acceptRunningInserts?: boolean;
  /** Abandon another operation's unfinished run (its journal is kept, marked abandoned). */
  abandonOpenRun?: boolean;
  /** Refuse unless the site observed as primary is this one. */
  expectPrimary?: string;
  /** Proceed inside the anti-flapping block period. */
  ackRecent?: boolean;
  /** Who started it (IAM principal or local user), for the journal. */
  startedBy?: string;
  /**
   * Set by a continuation event only: the run this invocation continues and the token its lock was
   * handed over with. The lock is taken over once (a duplicate delivery of the event is refused).
   */
  continues?: Continuation;
  /** Coordination nodes that may be left out of the most-up-to-date pick although they cannot be read. */
  ackUnreadNodes?: string[];
  /** Recover: put the rows only the old primary had (kept in side tables) back at the new primary. */
  reinsertDivergent?: boolean;
}

/** One thing a step will do, rendered for the plan: the exact SQL, 4lw word, host command or AWS call. */
export interface PlannedAction {
  target: string;
  via: 'sql' | '4lw' | 'host' | 'aws' | 'http' | 'wait' | 'lambda';
  text: string;
}

/** What a changing step saves to undo itself: files as they were, and what to restart afterwards. */
export interface UndoRecord {
  files?: { node: string; kind: 'coordination' | 'clickhouse'; path: string; before: string | null }[];
  /** Free-form data a step's own `undo` understands (e.g. the Route 53 record before the change). */
  data?: Record<string, unknown>;
}

export interface StepOutput {
  /** Lines for the journal's output excerpt. Must not contain secrets. */
  notes?: string[];
  /** Facts later steps and the journal use (starting state, chosen Keeper leader, RPO...). */
  facts?: Record<string, unknown>;
}

/** A step of an operation: data plus the functions that check, act and verify. */
export interface FailoverStep {
  id: string;
  title: string;
  kind: StepKind;
  /** Overrides the config's `stepTimeoutSeconds` (covers run + verify). */
  timeoutMs?: number;
  /**
   * From the moment this step starts, the new primary's ensemble may take writes (replicas pointed at
   * it): the run is past the point of no return and only goes forward (resume), never rolls back.
   */
  pointOfNoReturn?: boolean;
  /**
   * A guard that can change while a run waits (split brain, lag): re-run when the run resumes before
   * the point of no return, even though an earlier attempt verified it.
   */
  recheckOnResume?: boolean;
  /** A failure is reported, not fatal (post-hooks). */
  nonFatal?: boolean;
  /** The exact actions, for the plan. May probe (read-only) to show what it would pick. */
  plan(ctx: StepContext): Promise<PlannedAction[]>;
  /** True when the cluster is already as this step would leave it: the step is skipped. */
  isDone?(ctx: StepContext): Promise<boolean>;
  /** Throws a FailoverError when the step must not run. */
  precondition?(ctx: StepContext): Promise<void>;
  run(ctx: StepContext): Promise<StepOutput>;
  /** Throws when the step's effect cannot be confirmed (polls until its deadline). */
  verify(ctx: StepContext): Promise<void>;
  /** Reverses `run` from what it saved in `ctx.undo`. */
  undo?(ctx: StepContext, record: UndoRecord): Promise<void>;
}

/** Sends a 4lw word (including the state-changing `rcvr`) to a coordination node: the keeper module's seam. */
export type { SendWord };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface FailoverEvent {
  kind: NotifyEventKind;
  runId: string;
  operation: OperationKind;
  from: string;
  to: string;
  cluster: string;
  at: string;
  /** `started`: the plan's step titles; `step-failed`: the step and error; `finished`: the result. */
  summary: string;
  stepId?: string;
  result?: RunResult;
}

/** Where start, failed-step and end notices go (SNS in AWS, the paging module, or a test spy). */
export interface FailoverNotifier {
  notify(event: FailoverEvent): Promise<void>;
}

/** Everything an operation touches, injected. */
export interface FailoverDeps {
  /**
   * The run's state when `storeOf` is absent (locally: one file serves both sites). With `storeOf`, the
   * lock, journal and history of a run live in the target site's store and this one is not used for them.
   */
  store: StateStore;
  /** Each site's own state store (its region's table); the target site's is the run's authority. */
  storeOf?: (site: string) => StateStore;
  /** Lambda: milliseconds left in this invocation; a step that may not fit is left to a fresh invocation. */
  remainingMs?: () => number;
  /** Lambda: starts a fresh invocation that continues the run (the lock is handed over to it). */
  continueRun?: (continuation: Continuation) => Promise<void>;
  executor: HostExecutor;
  /** A connection to one replica (password already resolved by the caller). */
  connect(replica: ReplicaEndpoint): ClickHouseConnection;
  sendWord: SendWord;
  notifier?: FailoverNotifier;
  /** Stops an unreachable old site's hosts (EC2 force stop; locally SIGKILL of the recorded pids). */
  fencer?: InstanceFencer;
  route53?: Pick<Route53Client, 'send'>;
  lambda?: Pick<LambdaClient, 'send'>;
  clock?: Clock;
  sleep?: Sleep;
  /** Identifies this process as a lock holder (default `user@host pid N`). */
  holder?: string;
  /** Stops the run between steps (and aborts running host commands). */
  signal?: AbortSignal;
  /** Progress lines for a person (CLI stdout). */
  log?: (line: string) => void;
  /** Test seam: called before each step runs; throwing simulates a crash at that point. */
  beforeStep?: (stepId: string) => void | Promise<void>;
  /** Poll interval of waits (default 500 ms). */
  pollIntervalMs?: number;
}

/** What a step sees. */
export interface StepContext {
  topology: Topology;
  settings: FailoverSettings;
  request: OperationRequest;
  runId: string;
  from: Site;
  to: Site;
  deps: Required<
    Pick<FailoverDeps, 'store' | 'executor' | 'connect' | 'sendWord' | 'clock' | 'sleep' | 'pollIntervalMs'>
  > &
    Pick<FailoverDeps, 'route53' | 'lambda' | 'signal' | 'fencer'> & {
      /** Each site's store (roles and fences go to every site's; `store` is the run's authority). */
      storeOf: (site: string) => StateStore;
    };
  /** Facts saved by earlier steps of this run (persisted in the journal, so a resumed run has them). */
  facts: Record<string, unknown>;
  /** Deadline (epoch ms) of the current step. */
  deadline: number;
  /** Adds a line to the step's journal output. */
  note(line: string): void;
  /**
   * What the current step must save to undo itself, filled in by the step *before* each change, so that
   * a step failing midway can still be rolled back. Saved in the journal entry.
   */
  undo: UndoRecord;
  /**
   * Saves `undo` into the journal when it grew (called before each host command), so that a run killed
   * in the middle of a step can still undo what that step changed.
   */
  checkpoint?: () => Promise<void>;
  /**
   * During a rollback: runs `action` after every step has been undone (e.g. restart a replica only once
   * the ensemble its restored config points at runs again). Outside a rollback it runs at once.
   */
  defer(action: () => Promise<void>): Promise<void>;
}

export interface JournalEntry {
  stepId: string;
  title: string;
  kind: StepKind;
  state: StepState;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  output: string;
  error?: { code: string; message: string };
  undo?: UndoRecord;
}

/** One operation in the journal. */
export interface RunRecord {
  runId: string;
  cluster: string;
  kind: OperationKind;
  from: string;
  to: string;
  startedBy: string;
  startedAt: string;
  endedAt?: string;
  result: RunResult;
  message?: string;
  /** Seconds of data the target may miss at decision time (the target's heartbeat lag behind the source). */
  rpoSeconds?: number | null;
  rpoBasis?: string;
  /** Seconds from the start of the run to the first write accepted at the new primary. */
  rtoSeconds?: number | null;
  /** Recover: what only the old primary had when it came back (rows, parts, tables), measured. */
  measuredLoss?: MeasuredLoss;
  /** How many times the run was (re)started. */
  attempts: number;
  /** Where the live roles were recorded when the run succeeded (a lost region's table may fail). */
  rolesRecorded?: { written: string[]; failed: { site: string; reason: string }[] };
  facts: Record<string, unknown>;
  steps: JournalEntry[];
}

export interface PlanReport {
  kind: OperationKind;
  from: string;
  to: string;
  /** The exact string the Lambda event must carry to execute, e.g. `FAILOVER primary->standby`. */
  confirmation: string;
  steps: { id: string; title: string; kind: StepKind; done: boolean | null; actions: PlannedAction[] }[];
}

export interface RunReport {
  runId: string;
  result: RunResult;
  message: string;
  record: RunRecord;
  /** Where the journal is (state store key). */
  journalKey: string;
}
