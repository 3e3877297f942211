import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChdrError } from '../errors/index.js';
import { processAlive } from '../executor/process-alive.js';
import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import { MemoryStateStore } from './memory.js';
import type { PutOptions, StoredItem } from './types.js';

export const STATE_ERROR_CODES = {
  lockTimeout: 'STATE_FILE_LOCK_TIMEOUT',
  corrupt: 'STATE_FILE_CORRUPT',
} as const;

/** How long one operation waits for another process's lock on the file. */
export const DEFAULT_FILE_LOCK_WAIT_MS = 10_000;
/** A lock file older than this is left over from a killed process and may be taken over. */
export const STALE_FILE_LOCK_MS = 30_000;

interface FileShape {
  format: 1;
  entries: { item: StoredItem<unknown>; expiresAt?: number }[];
}

export interface FileStateStoreOptions {
  clock?: Clock;
  lockWaitMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The MemoryStateStore's semantics kept in one JSON file, so that a CLI run killed midway can be
 * resumed by the next process. Every operation takes an exclusive lock file (`<path>.lock`,
 * created with O_EXCL), re-reads the file, applies the change and replaces the file atomically
 * (write to a temporary file, then rename). Conditional writes are therefore safe between
 * processes. A lock left by a dead process (or older than 30 s) is taken over. The file operations are
 * synchronous (small files; node:fs/promises would load with its readline in every CLI run).
 */
export class FileStateStore extends MemoryStateStore {
  private readonly lockPath: string;
  private readonly lockWaitMs: number;
  private readonly fileClock: Clock;

  constructor(
    readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    super(options.clock ?? systemClock);
    this.fileClock = options.clock ?? systemClock;
    this.lockPath = `${path}.lock`;
    this.lockWaitMs = options.lockWaitMs ?? DEFAULT_FILE_LOCK_WAIT_MS;
  }

  override async get<T>(key: string): Promise<StoredItem<T> | undefined> {
    this.load();
    return super.get<T>(key);
  }

  override async list<T>(prefix: string): Promise<StoredItem<T>[]> {
    this.load();
    return super.list<T>(prefix);
  }

  override async put<T>(key: string, value: T, options: PutOptions = {}): Promise<StoredItem<T> | undefined> {
    return this.locked(async () => {
      this.load();
      return super.put(key, value, options);
    });
  }

  override async delete(key: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    return this.locked(async () => {
      this.load();
      return super.delete(key, options);
    });
  }

  protected override async persist(): Promise<void> {
    const shape: FileShape = {
      format: 1,
      entries: [...this.entries.values()].map((entry) => ({
        item: entry.item,
        ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
      })),
    };
    const temporary = `${this.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, JSON.stringify(shape, null, 1) + '\n', { mode: 0o600 });
    renameSync(temporary, this.path);
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.entries.clear();
        return;
      }
      throw error;
    }
    let shape: FileShape;
    try {
      shape = JSON.parse(text) as FileShape;
      if (shape.format !== 1 || !Array.isArray(shape.entries)) throw new Error('unknown format');
    } catch (cause) {
      throw new ChdrError(
        STATE_ERROR_CODES.corrupt,
        `state file ${this.path} is not a chdr state file; move it away`,
        { cause },
      );
    }
    this.entries.clear();
    for (const entry of shape.entries) this.entries.set(entry.item.key, entry);
  }

  private async locked<R>(action: () => Promise<R>): Promise<R> {
    mkdirSync(dirname(this.path), { recursive: true });
    const deadline = this.fileClock.now() + this.lockWaitMs;
    for (;;) {
      try {
        writeFileSync(this.lockPath, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), {
          flag: 'wx',
          mode: 0o600,
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (this.lockIsStale()) {
        rmSync(this.lockPath, { force: true });
        continue;
      }
      if (this.fileClock.now() >= deadline) {
        throw new ChdrError(
          STATE_ERROR_CODES.lockTimeout,
          `state file ${this.path} stayed locked for ${this.lockWaitMs} ms (${this.lockPath})`,
        );
      }
      await sleep(5 + Math.random() * 20);
    }
    try {
      return await action();
    } finally {
      rmSync(this.lockPath, { force: true });
    }
  }

  private lockIsStale(): boolean {
    try {
      const text = readFileSync(this.lockPath, 'utf8');
      const info = statSync(this.lockPath);
      if (Date.now() - info.mtimeMs > STALE_FILE_LOCK_MS) return true;
      const holder = JSON.parse(text) as { pid?: number };
      return typeof holder.pid === 'number' && holder.pid !== process.pid && !processAlive(holder.pid);
    } catch {
      // Vanished (released) or half-written by its creator: not stale, try again.
      return false;
    }
  }
}
