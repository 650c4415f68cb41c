import {
  SharedStateInputError,
  checkCacheReference,
  checkCacheSet,
  checkFailurePolicy,
  checkMilliseconds,
} from '@dk/spec';
import { checkOptionValues } from '../check-option-values.js';
import type {
  CacheDeleteOptions,
  CacheEntryReference,
  CacheGetOptions,
  CacheGetResult,
  CacheInvalidateOptions,
  CacheInvalidation,
  CacheSetOptions,
  KeyValueCache,
  SharedStateFailurePolicy,
} from '@dk/spec';

/** Settings of a {@link MemoryKeyValueCache}. */
export interface MemoryKeyValueCacheSettings {
  /** Most entries kept; the least recently used go first. Default 10,000. */
  readonly maxEntries?: number;
  /** Time to live of an entry whose `set` gives none, in milliseconds (`Infinity`: none). Default 300,000 (5 minutes). */
  readonly defaultTtlMs?: number;
  /**
   * How long a group's version outlives its last invalidation, in milliseconds: longer than
   * any read-then-`set` takes. Default 3,600,000 (an hour).
   */
  readonly versionTtlMs?: number;
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Reported as `failurePolicy`; memory never fails, so it changes nothing. Default `failOpen`. */
  readonly failurePolicy?: SharedStateFailurePolicy;
}

interface Entry {
  readonly json: string;
  readonly version: number | undefined;
  readonly expiresAt: number;
}

interface GroupVersion {
  version: number;
  expiresAt: number;
}

const component = 'MemoryKeyValueCache';

/** Map key of an entry: the group's length first, so no two (group, key) pairs collide. */
function entryKey(reference: CacheEntryReference): string {
  return reference.group === undefined
    ? `-${reference.key}`
    : `${reference.group.length}:${reference.group}${reference.key}`;
}

/**
 * A {@link KeyValueCache} in process memory, with least recently used eviction, TTLs and
 * versioned groups that behave exactly like the Redis implementation's (values are kept as
 * JSON, so both hand back the same thing). One process only — behind several app servers
 * use `@dk/redis`' `RedisKeyValueCache`, or every server invalidates only its own copy.
 */
export class MemoryKeyValueCache implements KeyValueCache {
  readonly specificationVersion = 'v1';
  readonly provider = 'memory';
  readonly failurePolicy: SharedStateFailurePolicy;
  readonly #maxEntries: number;
  readonly #defaultTtlMs: number;
  readonly #versionTtlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #versions = new Map<string, GroupVersion>();
  #sweepAt: number;

  constructor(settings: MemoryKeyValueCacheSettings = {}) {
    checkOptionValues(component, settings, {
      maxEntries: 'any',
      defaultTtlMs: 'any',
      versionTtlMs: 'any',
      now: 'function',
      failurePolicy: 'any',
    });
    const { maxEntries = 10_000, defaultTtlMs = 300_000, versionTtlMs = 3_600_000, now = Date.now } = settings;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new SharedStateInputError({
        component,
        field: 'maxEntries',
        reason: `must be a positive integer, got ${String(maxEntries)}`,
      });
    }
    checkMilliseconds(component, 'defaultTtlMs', defaultTtlMs, true);
    checkMilliseconds(component, 'versionTtlMs', versionTtlMs);
    this.failurePolicy = checkFailurePolicy(component, settings.failurePolicy);
    this.#maxEntries = maxEntries;
    this.#defaultTtlMs = defaultTtlMs;
    this.#versionTtlMs = versionTtlMs;
    this.#now = now;
    this.#sweepAt = maxEntries;
  }

  /** Number of entries held (expired ones included until they are touched). */
  get size(): number {
    return this.#entries.size;
  }

  #version(group: string, now: number): GroupVersion | undefined {
    const version = this.#versions.get(group);
    if (version !== undefined && version.expiresAt <= now) {
      this.#versions.delete(group);
      return undefined;
    }
    return version;
  }

  /** Keeps a group's version alive at least until `until`, creating it at 0. */
  #holdVersion(group: string, until: number, now: number): GroupVersion {
    let version = this.#version(group, now);
    if (version === undefined) {
      if (this.#versions.size >= this.#sweepAt) this.#sweepVersions(now);
      version = { version: 0, expiresAt: until };
      this.#versions.set(group, version);
    } else if (version.expiresAt < until) version.expiresAt = until;
    return version;
  }

  #sweepVersions(now: number): void {
    for (const group of this.#versions.keys()) this.#version(group, now);
    this.#sweepAt = Math.max(this.#maxEntries, this.#versions.size * 2);
  }

  /** See {@link KeyValueCache.get}. */
  get(options: CacheGetOptions): Promise<CacheGetResult> {
    checkCacheReference(`${component}.get`, options);
    const now = this.#now();
    const version = options.group === undefined ? undefined : (this.#version(options.group, now)?.version ?? 0);
    const key = entryKey(options);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      if (entry !== undefined) this.#entries.delete(key);
      return Promise.resolve({ status: 'miss', value: undefined, version, degraded: false });
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const status = entry.version === version ? 'hit' : 'stale';
    return Promise.resolve({ status, value: JSON.parse(entry.json) as unknown, version, degraded: false });
  }

  /** See {@link KeyValueCache.set}. */
  set(options: CacheSetOptions): Promise<boolean> {
    const json = checkCacheSet(`${component}.set`, options);
    const now = this.#now();
    const expiresAt = now + (options.ttlMs ?? this.#defaultTtlMs);
    let version: number | undefined;
    if (options.group !== undefined) {
      const current = this.#version(options.group, now)?.version ?? 0;
      if (options.version !== undefined && options.version !== current) return Promise.resolve(false);
      // The version must outlive the entry, or it could restart at 0 and make the entry current again.
      version = this.#holdVersion(options.group, expiresAt, now).version;
    }
    const key = entryKey(options);
    this.#entries.delete(key);
    this.#entries.set(key, { json, version, expiresAt });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return Promise.resolve(true);
  }

  /** See {@link KeyValueCache.delete}. */
  delete(options: CacheDeleteOptions): Promise<boolean> {
    checkCacheReference(`${component}.delete`, options);
    const key = entryKey(options);
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    return Promise.resolve(entry !== undefined && entry.expiresAt > this.#now());
  }

  /** See {@link KeyValueCache.invalidate}. */
  invalidate(options: CacheInvalidateOptions): Promise<CacheInvalidation> {
    checkCacheReference(`${component}.invalidate`, options, false);
    const now = this.#now();
    const version = this.#holdVersion(options.group, now + this.#versionTtlMs, now);
    version.version += 1;
    return Promise.resolve({ version: version.version, degraded: false });
  }

  /** Drops every entry and version. */
  clear(): void {
    this.#entries.clear();
    this.#versions.clear();
  }
}
