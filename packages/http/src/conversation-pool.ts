import { ConversationManager } from '@dk/conversations';
import type { ConversationManagerSettings, CreateConversationManagerOptions } from '@dk/conversations';
import { checkOptions, ConversationConflictError } from '@dk/spec';
import type { ConversationStore } from '@dk/spec';
import { HttpError } from './http-error.js';

/** What a new conversation is created with (besides the settings). */
export type NewConversationOptions = Omit<CreateConversationManagerOptions, keyof ConversationManagerSettings>;

/** Opens managers: the settings every conversation shares, or your own factory. */
export type ManagerSource =
  | ConversationManagerSettings
  | {
      /** Creates a conversation (its id, metadata, system prompt come from the handler). */
      readonly create: (options: NewConversationOptions) => Promise<ConversationManager>;
      /** Continues a stored conversation. */
      readonly resume: (conversationId: string) => Promise<ConversationManager>;
    };

/** Options of {@link ConversationPool}. */
export interface ConversationPoolOptions {
  readonly managers: ManagerSource;
  /** Managers kept open (least recently used ones beyond are dropped). Default 200. */
  readonly maxOpen?: number;
  /**
   * The store the managers write. When given, a kept manager is checked against the stored
   * version before each operation (one record read) and refreshed when another process wrote
   * the conversation since, so a conversation can move between app servers turn by turn
   * without a conflict. Without it, a stale manager fails once with `ConversationConflictError`.
   */
  readonly storage?: ConversationStore;
}

/**
 * Open conversation managers, one per conversation, each used by one operation at a time:
 * the process-local half of dk's concurrency model (the store's version checks are the
 * other half). `run(id, body)` queues `body` after the conversation's previous operation;
 * a `ConversationConflictError` (another process wrote it) drops the cached manager so the
 * next operation starts from the stored state. `close()` drains every manager.
 */
export class ConversationPool {
  readonly #source: ManagerSource;
  readonly #maxOpen: number;
  readonly #storage: ConversationStore | undefined;
  readonly #managers = new Map<string, Promise<ConversationManager>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing = false;

  constructor(options: ConversationPoolOptions) {
    checkOptions('ConversationPool', options, ['managers', 'maxOpen', 'storage']);
    const { managers, maxOpen = 200, storage } = options;
    this.#source = managers;
    this.#maxOpen = maxOpen;
    this.#storage = storage;
  }

  /** Operations running or queued now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** True once `close()` was called: new operations are refused with 503. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Creates a conversation and keeps its manager open. */
  async create(options: NewConversationOptions): Promise<ConversationManager> {
    this.#refuseWhenClosing();
    const source = this.#source;
    const manager = await ('create' in source && typeof source.create === 'function'
      ? source.create(options)
      : ConversationManager.create({ ...(source as ConversationManagerSettings), ...options }));
    this.#remember(manager.conversationId, Promise.resolve(manager));
    return manager;
  }

  /**
   * Runs `body` with the conversation's manager after the conversation's previous operation,
   * tracked for `close()`.
   */
  run<T>(conversationId: string, body: (manager: ConversationManager) => Promise<T>): Promise<T> {
    this.#refuseWhenClosing();
    const previous = this.#locks.get(conversationId) ?? Promise.resolve();
    const guarded = async (): Promise<T> => {
      try {
        return await body(await this.#current(conversationId));
      } catch (error) {
        if (ConversationConflictError.isInstance(error)) this.#managers.delete(conversationId);
        throw error;
      }
    };
    const run = previous.then(guarded, guarded);
    const tail = run.catch(() => undefined);
    this.#locks.set(conversationId, tail);
    this.#inFlight.add(tail);
    void tail.then(() => {
      this.#inFlight.delete(tail);
      if (this.#locks.get(conversationId) === tail) this.#locks.delete(conversationId);
    });
    return run;
  }

  /** Drops the cached manager of a conversation (after it was deleted). */
  forget(conversationId: string): void {
    this.#managers.delete(conversationId);
  }

  /**
   * Graceful stop: refuses new operations, lets every open manager finish its turns for up to
   * `timeoutMs` (then cuts them off; a streamed answer keeps its text as `interrupted`), and
   * resolves when every operation is over. Reports whether anything was cut off.
   */
  async close({ timeoutMs = 10_000 }: { readonly timeoutMs?: number } = {}): Promise<{ readonly cutOff: boolean }> {
    this.#closing = true;
    const started = performance.now();
    const managers = await Promise.allSettled([...this.#managers.values()]);
    await Promise.all(
      managers.map((result) => (result.status === 'fulfilled' ? result.value.close({ timeoutMs }) : undefined)),
    );
    const cutOff = performance.now() - started >= timeoutMs;
    await this.drain();
    return { cutOff };
  }

  /** Resolves when no operation is running or queued (without refusing new ones). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #refuseWhenClosing(): void {
    if (this.#closing)
      throw new HttpError({
        status: 503,
        code: 'SHUTTING_DOWN',
        message: 'The server is shutting down. Try again in a moment.',
        retryAfterSeconds: 5,
      });
  }

  /** The conversation's manager, refreshed first when it was kept and the stored version moved on. */
  async #current(conversationId: string): Promise<ConversationManager> {
    const kept = this.#managers.has(conversationId);
    const manager = await this.#manager(conversationId);
    if (kept && this.#storage !== undefined) {
      const record = await this.#storage.get({ conversationId });
      if (record !== undefined && record.version !== manager.state.version) await manager.refresh();
    }
    return manager;
  }

  #manager(conversationId: string): Promise<ConversationManager> {
    let manager = this.#managers.get(conversationId);
    if (manager === undefined) {
      const source = this.#source;
      manager =
        'resume' in source && typeof source.resume === 'function'
          ? source.resume(conversationId)
          : ConversationManager.resume({ ...(source as ConversationManagerSettings), conversationId });
      this.#remember(conversationId, manager);
      manager.catch(() => this.#managers.delete(conversationId));
    }
    return manager;
  }

  #remember(conversationId: string, manager: Promise<ConversationManager>): void {
    this.#managers.delete(conversationId);
    this.#managers.set(conversationId, manager);
    if (this.#managers.size > this.#maxOpen) {
      const oldest = this.#managers.keys().next().value;
      if (oldest !== undefined && !this.#locks.has(oldest)) this.#managers.delete(oldest);
    }
  }
}
