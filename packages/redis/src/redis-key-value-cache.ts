import { checkCacheReference, checkCacheSet, checkMilliseconds, checkOptions } from '@dk/spec';
import type {
  CacheDeleteOptions,
  CacheGetOptions,
  CacheGetResult,
  CacheInvalidateOptions,
  CacheInvalidation,
  CacheSetOptions,
  KeyValueCache,
} from '@dk/spec';
import { entryKey, groupEntryKey, groupVersionKey } from './redis-keys.js';
import { cacheInvalidateScript, cacheSetScript, runScript } from './redis-scripts.js';
import { RedisStateComponent, stateSettingNames } from './redis-state-component.js';
import type { RedisStateSettings } from './redis-state-component.js';

/** Settings of a {@link RedisKeyValueCache}. */
export interface RedisKeyValueCacheSettings extends RedisStateSettings {
  /** Time to live of an entry whose `set` gives none, in milliseconds (`Infinity`: none). Default 300,000 (5 minutes). */
  readonly defaultTtlMs?: number;
  /**
   * How long a group's version outlives its last invalidation, in milliseconds: longer than
   * any read-then-`set` takes. Default 3,600,000 (an hour).
   */
  readonly versionTtlMs?: number;
}

const name = 'RedisKeyValueCache';

/** Splits a grouped entry, stored as `<version>:<json>`. */
function parseGrouped(stored: string): { version: number; json: string } {
  const colon = stored.indexOf(':');
  return { version: Number(stored.slice(0, colon)), json: stored.slice(colon + 1) };
}

/**
 * A {@link KeyValueCache} in Redis, shared by every process that uses the same server (or
 * cluster) and prefix. Entries are JSON strings with PX expiry. A group (e.g. one conversation)
 * is one hash tag: its entries `<prefix><n>{<group>}:k:<key>` (stored as `<version>:<json>`)
 * and its version counter `<prefix><n>{<group>}:v` share a cluster slot, so a read is one
 * MGET, a conditional write and an invalidation one Lua script each. Redis failing:
 * `failOpen` misses and skips writes, `failClosed` rejects with `SharedStateUnavailableError`.
 */
export class RedisKeyValueCache extends RedisStateComponent implements KeyValueCache {
  readonly #defaultTtlMs: number;
  readonly #versionTtlMs: number;

  constructor(settings: RedisKeyValueCacheSettings) {
    checkOptions(name, settings, [...stateSettingNames, 'defaultTtlMs', 'versionTtlMs']);
    super(name, 'cache', settings, 'dk:cache:');
    const { defaultTtlMs = 300_000, versionTtlMs = 3_600_000 } = settings;
    checkMilliseconds(name, 'defaultTtlMs', defaultTtlMs, true);
    checkMilliseconds(name, 'versionTtlMs', versionTtlMs);
    this.#defaultTtlMs = defaultTtlMs;
    this.#versionTtlMs = Math.ceil(versionTtlMs);
  }

  /** See {@link KeyValueCache.get}. */
  get(options: CacheGetOptions): Promise<CacheGetResult> {
    checkCacheReference(`${name}.get`, options);
    const { key, group } = options;
    return this.run<CacheGetResult>(
      'get',
      async (): Promise<CacheGetResult> => {
        if (group === undefined) {
          const stored = await this.client.get(entryKey(this.prefix, key));
          return stored === null
            ? { status: 'miss', value: undefined, version: undefined, degraded: false }
            : { status: 'hit', value: JSON.parse(stored) as unknown, version: undefined, degraded: false };
        }
        const [stored, current] = await this.client.mget(
          groupEntryKey(this.prefix, group, key),
          groupVersionKey(this.prefix, group),
        );
        const version = Number(current ?? 0);
        if (stored === null || stored === undefined)
          return { status: 'miss', value: undefined, version, degraded: false };
        const entry = parseGrouped(stored);
        const status = entry.version === version ? 'hit' : 'stale';
        return { status, value: JSON.parse(entry.json) as unknown, version, degraded: false };
      },
      () => ({ status: 'miss', value: undefined, version: undefined, degraded: true }),
    );
  }

  /** See {@link KeyValueCache.set}. */
  set(options: CacheSetOptions): Promise<boolean> {
    const json = checkCacheSet(`${name}.set`, options);
    const { key, group, version } = options;
    const ttlMs = options.ttlMs ?? this.#defaultTtlMs;
    const px = ttlMs === Infinity ? undefined : Math.ceil(ttlMs);
    return this.run(
      'set',
      async () => {
        if (group === undefined) {
          const target = entryKey(this.prefix, key);
          await (px === undefined ? this.client.set(target, json) : this.client.set(target, json, 'PX', px));
          return true;
        }
        const stored = await runScript(
          this.client,
          cacheSetScript,
          [groupEntryKey(this.prefix, group, key), groupVersionKey(this.prefix, group)],
          [json, version ?? '', px ?? ''],
        );
        return stored === 1;
      },
      () => false,
    );
  }

  /** See {@link KeyValueCache.delete}. */
  delete(options: CacheDeleteOptions): Promise<boolean> {
    checkCacheReference(`${name}.delete`, options);
    const { key, group } = options;
    const target = group === undefined ? entryKey(this.prefix, key) : groupEntryKey(this.prefix, group, key);
    return this.run(
      'delete',
      async () => (await this.client.unlink(target)) === 1,
      () => false,
    );
  }

  /** See {@link KeyValueCache.invalidate}. */
  invalidate(options: CacheInvalidateOptions): Promise<CacheInvalidation> {
    checkCacheReference(`${name}.invalidate`, options, false);
    return this.run<CacheInvalidation>(
      'invalidate',
      async () => {
        const version = (await runScript(
          this.client,
          cacheInvalidateScript,
          [groupVersionKey(this.prefix, options.group)],
          [this.#versionTtlMs],
        )) as number;
        return { version, degraded: false };
      },
      () => ({ version: undefined, degraded: true }),
    );
  }
}

/** Creates a {@link RedisKeyValueCache}. */
export function createRedisKeyValueCache(settings: RedisKeyValueCacheSettings): RedisKeyValueCache {
  return new RedisKeyValueCache(settings);
}
