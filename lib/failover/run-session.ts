import type { Topology } from '../config/index.js';
import { describeError } from '../errors/index.js';
import { realSleep } from '../executor/index.js';
import { systemClock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';
import { authorityOf, checkPeerStores, siteStores } from './authority.js';
import { DEFAULT_LOCK_TTL_SECONDS, DEFAULT_POLL_INTERVAL_MS, RUN_RESULTS } from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import {
  clearOpenRun,
  newRunId,
  readOpenRun,
  RunJournal,
  runKey,
  setOpenRun,
  type OpenRun,
} from './journal.js';
import { acquireLock, defaultHolder, releaseLock, renewLock, type LockHandle } from './lock.js';
import { buildSteps, sitesOf } from './operations.js';
import type {
  FailoverDeps,
  FailoverEvent,
  FailoverStep,
  OperationRequest,
  RunRecord,
  RunReport,
  RunResult,
  StepContext,
} from './types.js';

/** One run being executed: its authority store, lock, journal and the context its steps share. */
export interface RunSession {
  topology: Topology;
  request: OperationRequest;
  deps: FailoverDeps;
  steps: FailoverStep[];
  holder: string;
  lockTtl: number;
  lock: LockHandle;
  journal: RunJournal;
  record: RunRecord;
  ctx: StepContext;
  /** An earlier attempt of this run exists (interrupted, failed after the point of no return, continued). */
  resumed: boolean;
  /** The lock was handed to a continuation invocation: not released here. */
  handedOver: boolean;
  log: (line: string) => void;
}

/** Injected dependencies with defaults; `store` is the run's authority (the target site's store). */
export const resolveDeps = (deps: FailoverDeps, store = deps.store): StepContext['deps'] => ({
  store,
  executor: deps.executor,
  connect: deps.connect,
  sendWord: deps.sendWord,
  clock: deps.clock ?? systemClock,
  sleep: deps.sleep ?? realSleep,
  pollIntervalMs: deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  ...(deps.route53 ? { route53: deps.route53 } : {}),
  ...(deps.lambda ? { lambda: deps.lambda } : {}),
  ...(deps.signal ? { signal: deps.signal } : {}),
  ...(deps.fencer ? { fencer: deps.fencer } : {}),
  storeOf: siteStores(deps),
});

export const contextFor = (
  topology: Topology,
  request: OperationRequest,
  deps: StepContext['deps'],
  runId: string,
  facts: Record<string, unknown>,
): StepContext => {
  const { from, to } = sitesOf(topology, request);
  return {
    topology,
    settings: topology.failover,
    request,
    runId,
    from,
    to,
    deps,
    facts,
    deadline: deps.clock.now() + topology.failover.stepTimeoutSeconds * 1000,
    note: () => undefined,
    undo: {},
    defer: (action) => action(),
  };
};

const sameOperation = (open: OpenRun, request: OperationRequest): boolean =>
  open.kind === request.kind && open.from === request.from && open.to === request.to;

const openRunRefusal = (open: OpenRun): FailoverError =>
  new FailoverError(
    FAILOVER_ERROR_CODES.openRun,
    `run ${open.runId} (${open.kind} ${open.from}->${open.to}) is unfinished since ${open.since}: resume it with ` +
      `\`chdr ${open.kind} --from ${open.from} --to ${open.to} --execute\`, or pass --abandon-open-run to abandon it`,
  );

const abandon = async (store: StateStore, open: OpenRun, by: string, now: number) => {
  const abandoned = await RunJournal.load(store, open.runId);
  if (abandoned) {
    abandoned.record.result = RUN_RESULTS.abandoned;
    abandoned.record.endedAt = new Date(now).toISOString();
    abandoned.record.message = by;
    await abandoned.save();
  }
  await clearOpenRun(store, open.runId);
};

/** The journal of the open run this request resumes, or undefined to start a new one. */
const resumableJournal = async (
  store: StateStore,
  request: OperationRequest,
  holder: string,
  now: number,
): Promise<RunJournal | undefined> => {
  const open = await readOpenRun(store);
  if (request.continues !== undefined && open?.runId !== request.continues.runId) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.openRun,
      `continuation of run ${request.continues.runId} dropped: it is no longer open (finished, abandoned or resumed elsewhere)`,
    );
  }
  if (!open) return undefined;
  if (!sameOperation(open, request)) {
    if (!request.abandonOpenRun) throw openRunRefusal(open);
    await abandon(
      store,
      open,
      `abandoned by ${holder} for ${request.kind} ${request.from}->${request.to} (--abandon-open-run)`,
      now,
    );
    return undefined;
  }
  const journal = await RunJournal.load(store, open.runId);
  if (!journal) await clearOpenRun(store, open.runId);
  return journal;
};

const newJournal = (
  store: StateStore,
  topology: Topology,
  request: OperationRequest,
  runId: string,
  holder: string,
  now: number,
): Promise<RunJournal> =>
  RunJournal.create(store, {
    runId,
    cluster: topology.cluster,
    kind: request.kind,
    from: request.from,
    to: request.to,
    startedBy: request.startedBy ?? holder,
    startedAt: new Date(now).toISOString(),
    result: RUN_RESULTS.running,
    attempts: 1,
    facts: {},
    steps: [],
  });

/**
 * Open-or-resume: takes the lock in the target site's store (or takes it over from the run a
 * continuation event names), checks the other sites' stores for a run of their own, and opens the
 * journal of a new run or of the unfinished run of the same operation. Throws, changing nothing, when
 * another run holds a lock or is unfinished.
 */
export const openOrResume = async (
  topology: Topology,
  request: OperationRequest,
  deps: FailoverDeps,
): Promise<RunSession> => {
  const store = authorityOf(deps, request);
  const resolved = resolveDeps(deps, store);
  const { clock } = resolved;
  const holder = deps.holder ?? defaultHolder();
  const lockTtl = Math.max(DEFAULT_LOCK_TTL_SECONDS, topology.failover.stepTimeoutSeconds * 2);
  const steps = buildSteps(topology, request);
  let lock = await acquireLock(store, {
    holder,
    runId: newRunId(clock.now()),
    request,
    ttlSeconds: lockTtl,
    clock,
    ...(request.continues ? { takeOver: request.continues } : {}),
  });
  try {
    let journal = await resumableJournal(store, request, holder, clock.now());
    const peers = await checkPeerStores(
      deps,
      topology.sites.map((site) => site.name),
      store,
      journal?.record.runId ?? lock.value.runId,
    );
    if (peers.refusal) throw new FailoverError(FAILOVER_ERROR_CODES.locked, peers.refusal);
    const resumed = journal !== undefined;
    if (journal) await journal.startAttempt();
    else journal = await newJournal(store, topology, request, lock.value.runId, holder, clock.now());
    if (peers.unreadable.length > 0) journal.record.facts.unreadableStores = peers.unreadable;
    if (lock.value.runId !== journal.record.runId) {
      lock = await renewLock(
        store,
        { ...lock, value: { ...lock.value, runId: journal.record.runId } },
        lockTtl,
      );
    }
    const record = journal.record;
    return {
      topology,
      request,
      deps,
      steps,
      holder,
      lockTtl,
      lock,
      journal,
      record,
      ctx: contextFor(topology, request, resolved, record.runId, record.facts),
      resumed,
      handedOver: false,
      log: deps.log ?? (() => undefined),
    };
  } catch (error) {
    await releaseLock(store, lock).catch(() => undefined);
    throw error;
  }
};

export const markOpen = (session: RunSession): Promise<void> =>
  setOpenRun(session.ctx.deps.store, {
    runId: session.record.runId,
    kind: session.record.kind,
    from: session.record.from,
    to: session.record.to,
    since: session.record.startedAt,
  });

/** Sends a start, failed-step or end notice; a failing notifier is logged, never fatal. */
export const notify = async (
  session: RunSession,
  event: Omit<FailoverEvent, 'runId' | 'operation' | 'from' | 'to' | 'cluster' | 'at'>,
): Promise<void> => {
  if (!session.deps.notifier) return;
  try {
    await session.deps.notifier.notify({
      ...event,
      runId: session.record.runId,
      operation: session.request.kind,
      from: session.request.from,
      to: session.request.to,
      cluster: session.topology.cluster,
      at: new Date(session.ctx.deps.clock.now()).toISOString(),
    });
  } catch (error) {
    session.log(`notification failed: ${describeError(error)}`);
  }
};

/** Saves the run's outcome (RPO, RTO, result) and keeps it open for a resume, or closes it. */
export const saveOutcome = async (
  session: RunSession,
  result: RunResult,
  message: string,
  keepOpen: boolean,
): Promise<RunReport> => {
  const { record, ctx } = session;
  record.result = result;
  record.message = message;
  if (!keepOpen) record.endedAt = new Date(ctx.deps.clock.now()).toISOString();
  if (typeof record.facts.rpoSeconds === 'number' || record.facts.rpoSeconds === null)
    record.rpoSeconds = record.facts.rpoSeconds as number | null;
  if (typeof record.facts.rpoBasis === 'string') record.rpoBasis = record.facts.rpoBasis;
  if (typeof record.facts.writableAt === 'number') {
    record.rtoSeconds = Math.round((record.facts.writableAt - Date.parse(record.startedAt)) / 100) / 10;
  }
  await session.journal.save();
  if (keepOpen) await markOpen(session);
  else await clearOpenRun(ctx.deps.store, record.runId);
  return { runId: record.runId, result, message, record, journalKey: runKey(record.runId) };
};

/** Saves the outcome, logs it and sends the end notice. */
export const finish = async (
  session: RunSession,
  result: RunResult,
  message: string,
  keepOpen: boolean,
): Promise<RunReport> => {
  const report = await saveOutcome(session, result, message, keepOpen);
  session.log(`${result}: ${message}`);
  await notify(session, { kind: 'finished', result, summary: message });
  return report;
};
