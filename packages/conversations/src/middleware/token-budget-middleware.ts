import { checkOptionValues } from '../check-option-values.js';
import type { LLMResponse, TokenBudget } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationLogger } from '../conversation-logger.js';
import type { ConversationMiddleware, MiddlewareContext, TurnSummary } from '../conversation-middleware.js';
import { MemoryTokenBudget } from '../shared-state/memory-token-budget.js';
import { TokenBudgetExceededError } from '../token-budget-exceeded-error.js';

/** Settings of {@link TokenBudgetMiddleware}. */
export interface TokenBudgetMiddlewareOptions {
  /** Tokens (prompt + completion) allowed per key. */
  readonly maxTokens: number;
  /** The key tokens are counted under. Default: the conversation id. */
  readonly keyFn?: (context: MiddlewareContext) => string;
  /** `warn` (default): log and record when over budget. `refuse`: fail further calls with `TokenBudgetExceededError`. */
  readonly onExceeded?: 'warn' | 'refuse';
  /** Receives the over-budget warning. Default `console`. */
  readonly logger?: ConversationLogger;
  /** Tokens counted for a model call whose usage was not reported and cannot be estimated. Default 1000. */
  readonly unknownCallTokens?: number;
  /**
   * Where the tokens are counted. Default: a `MemoryTokenBudget` (this process only). Give
   * every app server the same shared budget (e.g. `@dk/redis`' `RedisTokenBudget`) to hold
   * budgets across servers; its `failurePolicy` decides what happens when it is down.
   */
  readonly budget?: TokenBudget;
  /**
   * A fixed budget window in milliseconds (e.g. 86 400 000 for a daily budget per user): a
   * key's count starts with its first counted turn and goes back to 0 when the window ends.
   * Default: none (counted until `reset`).
   */
  readonly windowMs?: number;
}

/**
 * Counts the tokens used per key (conversation by default) in a `TokenBudget` (process memory
 * by default, or shared): every model call of a turn (answers, retried attempts, judges).
 * When the budget is spent it warns, or refuses further calls before they reach the model.
 * Records `tokenBudget: { used, max, remaining }` (cumulative) on every assistant node, with
 * `degraded: true` when the budget was down and its `failOpen` policy answered 0. A budget
 * down under `failClosed` fails the turn with its `SharedStateUnavailableError` in `refuse`
 * mode; a count that cannot be recorded after a turn is logged as a warning.
 */
export class TokenBudgetMiddleware implements ConversationMiddleware {
  readonly name = 'TokenBudgetMiddleware';
  readonly #maxTokens: number;
  readonly #keyFn: (context: MiddlewareContext) => string;
  readonly #onExceeded: 'warn' | 'refuse';
  readonly #logger: ConversationLogger;
  readonly #budget: TokenBudget;
  readonly #windowMs: number | undefined;
  readonly #unknownCallTokens: number;

  constructor(options: TokenBudgetMiddlewareOptions) {
    checkOptionValues(
      'TokenBudgetMiddleware',
      options,
      {
        maxTokens: 'number',
        keyFn: 'function',
        onExceeded: { oneOf: ['warn', 'refuse'] },
        logger: { methods: ['warn'], described: 'a logger' },
        unknownCallTokens: 'number',
        budget: { methods: ['increment'], described: 'a TokenBudget' },
        windowMs: 'number',
      },
      'new TokenBudgetMiddleware({ maxTokens: 100_000 })',
    );
    const {
      maxTokens,
      keyFn = (context) => context.conversationId,
      onExceeded = 'warn',
      logger = console,
      unknownCallTokens = 1000,
      budget = new MemoryTokenBudget(),
      windowMs,
    } = options;
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
      throw new ConversationInputError({ field: 'maxTokens', reason: 'must be a positive integer' });
    if (onExceeded !== 'warn' && onExceeded !== 'refuse')
      throw new ConversationInputError({ field: 'onExceeded', reason: "must be 'warn' or 'refuse'" });
    if (typeof budget?.increment !== 'function')
      throw new ConversationInputError({ field: 'budget', reason: 'must be a TokenBudget (with `increment`)' });
    if (windowMs !== undefined && !(windowMs > 0 && Number.isFinite(windowMs)))
      throw new ConversationInputError({ field: 'windowMs', reason: 'must be a positive number of milliseconds' });
    this.#maxTokens = maxTokens;
    this.#keyFn = keyFn;
    this.#onExceeded = onExceeded;
    this.#logger = logger;
    this.#unknownCallTokens = unknownCallTokens;
    this.#budget = budget;
    this.#windowMs = windowMs;
  }

  /** Tokens counted under `key` (in its current window). */
  async getUsed(key: string): Promise<number> {
    return (await this.#budget.get({ key })).used;
  }

  /** Forgets the usage of `key`, or of every key of the budget. */
  async reset(key?: string): Promise<void> {
    await this.#budget.reset(key === undefined ? {} : { key });
  }

  async processRequest(_messages: unknown, context: MiddlewareContext): Promise<undefined> {
    if (this.#onExceeded !== 'refuse') return undefined;
    const key = this.#keyFn(context);
    const { used } = await this.#budget.get({ key });
    if (used >= this.#maxTokens) {
      throw new TokenBudgetExceededError({ key, usedTokens: used, maxTokens: this.#maxTokens });
    }
    return undefined;
  }

  async processResponse(_response: LLMResponse, context: MiddlewareContext): Promise<undefined> {
    // What the node can show now: counted so far plus this turn's calls up to here. The
    // authoritative count is taken in `afterTurn`, once every call of the turn is known.
    const key = this.#keyFn(context);
    const turnTokens = context.modelCalls.reduce((sum, call) => sum + (call.usage?.totalTokens ?? 0), 0);
    const counted = await this.#budget.get({ key });
    const used = counted.used + turnTokens;
    context.setNodeMetadata('tokenBudget', {
      used,
      max: this.#maxTokens,
      remaining: Math.max(0, this.#maxTokens - used),
      ...(counted.degraded ? { degraded: true } : {}),
    });
    if (used > this.#maxTokens) context.setNodeMetadata('tokenBudgetExceeded', true);
    return undefined;
  }

  /**
   * Counts every model call of the finished turn — the answer, discarded attempts, judges
   * — under the key. A call whose usage the provider did not report is counted by the
   * manager's estimate of the text it carried, so an unknown usage never spends nothing.
   */
  async afterTurn(turn: TurnSummary, context: MiddlewareContext): Promise<void> {
    const key = this.#keyFn(context);
    let estimated = 0;
    for (const call of turn.modelCalls) {
      if (call.usage === undefined) estimated += call.estimatedTokens ?? this.#unknownCallTokens;
    }
    const tokens = turn.usage.totalTokens + estimated;
    let used: number;
    try {
      const counted = await this.#budget.increment({
        key,
        tokens,
        ...(this.#windowMs === undefined ? {} : { windowMs: this.#windowMs }),
      });
      if (counted.degraded) return;
      used = counted.used;
    } catch (error) {
      // The answer is stored already; the count is lost, and says so.
      this.#logger.warn(`Token budget could not record ${tokens} tokens`, {
        key,
        tokens,
        conversationId: context.conversationId,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (used > this.#maxTokens) {
      this.#logger.warn(`Token budget exceeded: ${used}/${this.#maxTokens}`, {
        key,
        usedTokens: used,
        maxTokens: this.#maxTokens,
        conversationId: context.conversationId,
      });
    }
  }
}
