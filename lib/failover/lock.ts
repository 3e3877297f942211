import { hostname, userInfo } from 'node:os';
import { processAlive } from '../executor/process-alive.js';
import type { Clock } from '../probe/index.js';
import type { StateStore } from '../state/index.js';
import { STATE_KEYS } from './constants.js';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';
import type { Continuation, OperationRequest } from './types.js';

export interface LockValue {
  holder: string;
  host: string;
  pid: number;
  runId: string;
  operation: string;
  since: string;
  /** Set while the run is handed to a continuation invocation: the token that invocation must show. */
  handoverTo?: string;
}

export interface LockHandle {
  value: LockValue;
  version: number;
}

export const defaultHolder = (): string => {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `${user}@${hostname()} pid ${process.pid}`;
};

/** A lock held by a process of this machine that no longer exists (a killed CLI run). */
const leftByDeadProcess = (value: LockValue): boolean =>
  value.host === hostname() && value.pid !== process.pid && !processAlive(value.pid);

/**
 * Takes the failover lock with a conditional write (only if absent or expired). A second run is refused
 * with the holder's name, its run and since when. A lock left by a killed process on this machine is
 * taken over; one from elsewhere expires after its TTL, or is handed over to the continuation of its run.
 */
export const acquireLock = async (
  store: StateStore,
  options: {
    holder: string;
    runId: string;
    request: OperationRequest;
    ttlSeconds: number;
    clock: Clock;
    /** A continuation takes the lock over from the invocation that handed this run to it, once. */
    takeOver?: Continuation;
  },
): Promise<LockHandle> => {
  const value: LockValue = {
    holder: options.holder,
    host: hostname(),
    pid: process.pid,
    runId: options.runId,
    operation: `${options.request.kind} ${options.request.from}->${options.request.to}`,
    since: new Date(options.clock.now()).toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const item = await store.put(STATE_KEYS.lock, value, {
      expectedVersion: 0,
      ttlSeconds: options.ttlSeconds,
    });
    if (item) return { value, version: item.version };
    const current = await store.get<LockValue>(STATE_KEYS.lock);
    if (!current) continue;
    const takeOver = options.takeOver;
    if (takeOver && current.value.runId === takeOver.runId && current.value.handoverTo === takeOver.token) {
      const taken = await store.put(
        STATE_KEYS.lock,
        { ...value, runId: takeOver.runId },
        { expectedVersion: current.version, ttlSeconds: options.ttlSeconds },
      );
      if (taken) return { value: { ...value, runId: takeOver.runId }, version: taken.version };
      continue;
    }
    if (
      leftByDeadProcess(current.value) &&
      (await store.delete(STATE_KEYS.lock, { expectedVersion: current.version }))
    )
      continue;
    throw new FailoverError(
      FAILOVER_ERROR_CODES.locked,
      `another failover run holds the lock: ${current.value.holder} since ${current.value.since} ` +
        `(run ${current.value.runId}, ${current.value.operation}); wait for it to finish` +
        ` (a lock not renewed expires after ${Math.round(options.ttlSeconds / 60)} minutes)`,
    );
  }
  throw new FailoverError(
    FAILOVER_ERROR_CODES.locked,
    'the failover lock changed hands while it was being taken; try again',
  );
};

/** Extends the lock's TTL; throws when someone else holds it now. */
export const renewLock = async (
  store: StateStore,
  handle: LockHandle,
  ttlSeconds: number,
): Promise<LockHandle> => {
  const item = await store.put(STATE_KEYS.lock, handle.value, {
    expectedVersion: handle.version,
    ttlSeconds,
  });
  if (!item) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.lockLost,
      `the failover lock of run ${handle.value.runId} was lost (expired and taken by another run)`,
    );
  }
  return { value: handle.value, version: item.version };
};

/** Marks the lock as handed over to a continuation; only the invocation showing `token` may take it. */
export const handOverLock = async (
  store: StateStore,
  handle: LockHandle,
  ttlSeconds: number,
  token: string,
): Promise<LockHandle> =>
  renewLock(store, { ...handle, value: { ...handle.value, handoverTo: token } }, ttlSeconds);

export const releaseLock = async (store: StateStore, handle: LockHandle): Promise<void> => {
  await store.delete(STATE_KEYS.lock, { expectedVersion: handle.version });
};
