import { SharedStateInputError, checkFailurePolicy, checkMilliseconds } from '@dk/spec';
import type { SharedStateComponent, SharedStateFailurePolicy, SharedStateUnavailableError } from '@dk/spec';
import type { RedisClient } from './redis-client.js';
import { toSharedStateError } from './redis-error.js';
import { checkPrefix, taggedKey } from './redis-keys.js';
import { unlinkPrefix } from './redis-reset.js';

/** Settings every Redis shared-state component takes. */
export interface RedisStateSettings {
  /** The ioredis client (standalone or `Cluster`), e.g. from `createRedisClient`. Not closed by the component. */
  readonly client: RedisClient;
  /** Leads every key this component writes; no braces. Each component has its own default (`dk:…:`). */
  readonly prefix?: string;
  /** What happens when Redis fails; see `SharedStateFailurePolicy`. Default `failOpen`. */
  readonly failurePolicy?: SharedStateFailurePolicy;
  /** How long one operation may take before it counts as failed, in milliseconds. Default 1,000. */
  readonly timeoutMs?: number;
  /**
   * Receives the failures the `failOpen` policy absorbed (the caller got a degraded result).
   * Default: a console warning when Redis starts failing (not for every operation).
   */
  readonly onError?: (error: SharedStateUnavailableError) => void;
}

/** The setting names of {@link RedisStateSettings}, for `checkOptions`. */
export const stateSettingNames = ['client', 'prefix', 'failurePolicy', 'timeoutMs', 'onError'] as const;

const timeoutMarker = Symbol('timeout');

/** Clients that already have an `error` listener from a dk component. */
const guarded = new WeakSet<RedisClient>();

/** Clients that have been connected once: a later `connecting` is a reconnection attempt. */
const connectedOnce = new WeakSet<RedisClient>();

/**
 * Whether the client knows that it has lost its server: then an operation fails at once
 * instead of waiting in the client's offline queue until the deadline. (Before the first
 * connection, operations wait for it.)
 */
function knownDown(client: RedisClient): boolean {
  const { status } = client;
  return status === 'reconnecting' || status === 'close' || (status === 'connecting' && connectedOnce.has(client));
}

/**
 * What the three Redis components share: the client, the key prefix, and running an operation
 * under a deadline and the failure policy.
 */
export abstract class RedisStateComponent {
  readonly specificationVersion = 'v1';
  readonly provider = 'redis';
  readonly failurePolicy: SharedStateFailurePolicy;
  protected readonly client: RedisClient;
  protected readonly prefix: string;
  readonly #component: SharedStateComponent;
  readonly #timeoutMs: number;
  readonly #onError: ((error: SharedStateUnavailableError) => void) | undefined;
  #failing = false;

  protected constructor(name: string, component: SharedStateComponent, settings: RedisStateSettings, prefix: string) {
    const { client, timeoutMs = 1000, onError } = settings;
    if (typeof client?.evalsha !== 'function') {
      throw new SharedStateInputError({
        component: name,
        field: 'client',
        reason: 'must be an ioredis client (Redis or Cluster)',
      });
    }
    checkMilliseconds(name, 'timeoutMs', timeoutMs);
    this.failurePolicy = checkFailurePolicy(name, settings.failurePolicy);
    this.prefix = checkPrefix(name, settings.prefix ?? prefix);
    this.client = client;
    this.#component = component;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
    // An `error` event without a listener would be printed by ioredis for every reconnection
    // attempt (and crash other emitters); failures are reported per operation instead.
    if (!guarded.has(client)) {
      if (client.listenerCount('error') === 0) client.on('error', () => {});
      if (client.status === 'ready') connectedOnce.add(client);
      client.on('ready', () => connectedOnce.add(client));
      guarded.add(client);
    }
  }

  /**
   * Runs `operation` within the deadline. On failure: rejects with a
   * `SharedStateUnavailableError` (`failClosed`), or reports it and resolves `degraded()`
   * (`failOpen`).
   */
  protected async run<T>(name: string, operation: () => Promise<T>, degraded: () => T): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (knownDown(this.client)) throw new Error(`the connection to Redis is down (client ${this.client.status})`);
      const result = await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timeoutMarker), this.#timeoutMs);
        }),
      ]);
      this.#failing = false;
      return result;
    } catch (caught) {
      const timedOut = caught === timeoutMarker;
      const error = toSharedStateError(timedOut ? new Error(`${this.#timeoutMs} ms`) : caught, {
        component: this.#component,
        operation: name,
        policy: this.failurePolicy,
        timedOut,
      });
      if (this.failurePolicy === 'failClosed') throw error;
      this.#report(error);
      return degraded();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes the counter of `key` (`<prefix>{<key>}`), or every key under the prefix. */
  protected resetKeys(key: string | undefined): Promise<void> {
    return this.run(
      'reset',
      async () => {
        if (key === undefined) await unlinkPrefix(this.client, this.prefix);
        else await this.client.unlink(taggedKey(this.prefix, key));
      },
      () => undefined,
    );
  }

  #report(error: SharedStateUnavailableError): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(error);
      } catch {
        // A failing report must not turn the degraded answer into a crash.
      }
      return;
    }
    if (this.#failing) return;
    this.#failing = true;
    console.warn(`[dk] ${error.message}`);
  }
}
