import type { Clock } from '../probe/index.js';
import { systemClock } from '../probe/index.js';
import type { PutOptions, StateStore, StoredItem } from './types.js';

interface Entry {
  item: StoredItem<unknown>;
  expiresAt?: number;
}

/** In-process store for the CLI and tests; honours TTL on read. */
export class MemoryStateStore implements StateStore {
  protected readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock = systemClock) {}

  protected live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async get<T>(key: string): Promise<StoredItem<T> | undefined> {
    return structuredClone(this.live(key)?.item) as StoredItem<T> | undefined;
  }

  async put<T>(key: string, value: T, options: PutOptions = {}): Promise<StoredItem<T> | undefined> {
    const current = this.live(key);
    if (options.expectedVersion !== undefined && (current?.item.version ?? 0) !== options.expectedVersion) {
      return undefined;
    }
    const item: StoredItem<T> = {
      key,
      value: structuredClone(value),
      version: (current?.item.version ?? 0) + 1,
    };
    this.entries.set(key, {
      item,
      ...(options.ttlSeconds === undefined
        ? {}
        : { expiresAt: this.clock.now() + options.ttlSeconds * 1000 }),
    });
    await this.persist();
    return structuredClone(item);
  }

  async delete(key: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    const current = this.live(key);
    if (!current) return false;
    if (options.expectedVersion !== undefined && current.item.version !== options.expectedVersion)
      return false;
    this.entries.delete(key);
    await this.persist();
    return true;
  }

  async list<T>(prefix: string): Promise<StoredItem<T>[]> {
    return [...this.entries.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort()
      .flatMap((key) => {
        const entry = this.live(key);
        return entry ? [structuredClone(entry.item) as StoredItem<T>] : [];
      });
  }

  /** Hook for subclasses that keep the entries somewhere durable. */
  protected async persist(): Promise<void> {}
}
