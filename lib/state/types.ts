/** A stored item with its version, for optimistic concurrency (conditional writes). */
export interface StoredItem<T> {
  key: string;
  value: T;
  /** Starts at 1 and grows by one on every write. */
  version: number;
}

export interface PutOptions {
  /** Write only if the item is at this version; `0` means only if it does not exist yet. */
  expectedVersion?: number;
  /** Seconds after which the store may drop the item (DynamoDB TTL; best effort). */
  ttlSeconds?: number;
}

/**
 * Small key-value store with conditional writes: locks, the failover journal, paging state and
 * pauses live in it. DynamoDB in AWS, a file or memory locally.
 */
export interface StateStore {
  get<T>(key: string): Promise<StoredItem<T> | undefined>;
  /** Returns the new item, or `undefined` when `expectedVersion` did not match (someone else wrote). */
  put<T>(key: string, value: T, options?: PutOptions): Promise<StoredItem<T> | undefined>;
  /** Deletes; with `expectedVersion`, only if still at that version. Returns whether it deleted. */
  delete(key: string, options?: { expectedVersion?: number }): Promise<boolean>;
  /** Items whose key starts with `prefix`, in key order. */
  list<T>(prefix: string): Promise<StoredItem<T>[]>;
}
