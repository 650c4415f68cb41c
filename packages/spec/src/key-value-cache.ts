import type { SharedStateFailurePolicy } from './shared-state-failure-policy.js';

/** Identifies one cache entry. */
export interface CacheEntryReference {
  /** The entry's key within its group (or within the cache, without a group). Any non-empty string. */
  readonly key: string;
  /**
   * The group the entry belongs to, e.g. a conversation id. The entries of a group share one
   * version, so {@link KeyValueCache.invalidate} makes all of them stale at once, and they are
   * stored together (one Redis Cluster slot). Default: none (an unversioned entry).
   */
  readonly group?: string;
}

/** Options of {@link KeyValueCache.get}. */
export type CacheGetOptions = CacheEntryReference;

/** Options of {@link KeyValueCache.delete}. */
export type CacheDeleteOptions = CacheEntryReference;

/** What {@link KeyValueCache.get} found. */
export interface CacheGetResult {
  /**
   * `hit`: a current entry; `stale`: an entry written under an older version of its group
   * (the group was invalidated since); `miss`: no entry (never written, expired, evicted, or
   * the backend failed under `failOpen`).
   */
  readonly status: 'hit' | 'stale' | 'miss';
  /** The stored value for `hit` and `stale` (as JSON gives it back), `undefined` for `miss`. */
  readonly value: unknown;
  /**
   * The group's version at the time of this read (0 before its first invalidation);
   * `undefined` without a group. A reader that loads the value from the source of truth
   * after a `stale` or `miss` passes it to `set` as `version`, so a write that invalidated
   * the group meanwhile makes the `set` a no-op instead of caching an old value.
   */
  readonly version: number | undefined;
  /** True when the backend failed and the `failOpen` policy answered `miss`. */
  readonly degraded: boolean;
}

/** Options of {@link KeyValueCache.set}. */
export interface CacheSetOptions extends CacheEntryReference {
  /**
   * A JSON-serialisable value. It is stored as JSON on every backend, so what comes back is
   * what `JSON.parse(JSON.stringify(value))` gives (dates become ISO strings, `undefined`
   * properties are dropped) and callers never share an object with the cache.
   */
  readonly value: unknown;
  /** Time to live in milliseconds. Default: the implementation's default TTL. */
  readonly ttlMs?: number;
  /**
   * With a `group`: store only if the group's version still equals this one (the `version` a
   * `get` returned before the value was loaded). Default: the group's current version.
   */
  readonly version?: number;
}

/** Options of {@link KeyValueCache.invalidate}. */
export interface CacheInvalidateOptions {
  /** The group whose entries all become stale. */
  readonly group: string;
}

/** What {@link KeyValueCache.invalidate} did. */
export interface CacheInvalidation {
  /** The group's new version; `undefined` when the backend failed (`degraded`). */
  readonly version: number | undefined;
  /** True when the backend failed and the `failOpen` policy let the call resolve without invalidating. */
  readonly degraded: boolean;
}

/**
 * A key-value cache with time-to-live and versioned groups, whose state may be shared by
 * several processes (memory for one process, Redis for many): the RAG result cache, the
 * conversation read cache. Values are JSON.
 *
 * Versioning: every group has a version, a counter that {@link KeyValueCache.invalidate}
 * increments atomically. An entry remembers the version it was written under; once the group
 * moves on, `get` reports it `stale`. A writer that changes the source of truth invalidates
 * the group after the change; a reader that loads from the source of truth passes the version
 * it read before loading to `set`, which stores only if no invalidation happened in between.
 * So a reader never takes an entry older than a write that completed before the read began.
 *
 * Failures of the backend follow {@link KeyValueCache.failurePolicy}: `failClosed` rejects
 * with `SharedStateUnavailableError`; `failOpen` resolves degraded — `get` misses, `set` and
 * `delete` resolve `false`, `invalidate` resolves `{ version: undefined, degraded: true }` —
 * and reports the error to the component's `onError` hook.
 */
export interface KeyValueCache {
  /** Version of this contract the cache implements. */
  readonly specificationVersion: 'v1';
  /** Short provider name for logs and health checks: `memory`, `redis`. */
  readonly provider: string;
  /** What happens when the backend fails; see {@link SharedStateFailurePolicy}. */
  readonly failurePolicy: SharedStateFailurePolicy;
  /** Reads an entry, telling a current entry from a stale one. */
  get(options: CacheGetOptions): Promise<CacheGetResult>;
  /** Stores an entry; resolves `false` when a `version` condition refused it (or it was not stored, degraded). */
  set(options: CacheSetOptions): Promise<boolean>;
  /** Removes an entry; resolves whether one existed. */
  delete(options: CacheDeleteOptions): Promise<boolean>;
  /** Makes every entry of a group stale by moving the group's version on; atomic. */
  invalidate(options: CacheInvalidateOptions): Promise<CacheInvalidation>;
}
