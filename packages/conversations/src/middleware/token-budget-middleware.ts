import { checkOptions } from '@dk/spec';
import type { LLMResponse } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationLogger } from '../conversation-logger.js';
import type { ConversationMiddleware, MiddlewareContext, TurnSummary } from '../conversation-middleware.js';
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
}

/**
 * Counts the tokens used per key (conversation by default) in process memory: every model
 * call of a turn (answers, retried attempts, judges). When the budget is spent it warns, or
 * refuses further calls before they reach the model. Records `tokenBudget: { used, max,
 * remaining }` (cumulative) on every assistant node.
 */
export class TokenBudgetMiddleware implements ConversationMiddleware {
  readonly name = 'TokenBudgetMiddleware';
  readonly #maxTokens: number;
  readonly #keyFn: (context: MiddlewareContext) => string;
  readonly #onExceeded: 'warn' | 'refuse';
  readonly #logger: ConversationLogger;
  readonly #used = new Map<string, number>();
  readonly #unknownCallTokens: number;

  constructor(options: TokenBudgetMiddlewareOptions) {
    checkOptions('TokenBudgetMiddleware', options, ['maxTokens', 'keyFn', 'onExceeded', 'logger', 'unknownCallTokens']);
    const {
      maxTokens,
      keyFn = (context) => context.conversationId,
      onExceeded = 'warn',
      logger = console,
      unknownCallTokens = 1000,
    } = options;
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
      throw new ConversationInputError({ field: 'maxTokens', reason: 'must be a positive integer' });
    if (onExceeded !== 'warn' && onExceeded !== 'refuse')
      throw new ConversationInputError({ field: 'onExceeded', reason: "must be 'warn' or 'refuse'" });
    this.#maxTokens = maxTokens;
    this.#keyFn = keyFn;
    this.#onExceeded = onExceeded;
    this.#logger = logger;
    this.#unknownCallTokens = unknownCallTokens;
  }

  /** Tokens counted under `key`. */
  getUsed(key: string): number {
    return this.#used.get(key) ?? 0;
  }

  /** Forgets the usage of `key`, or of every key. */
  reset(key?: string): void {
    if (key === undefined) this.#used.clear();
    else this.#used.delete(key);
  }

  processRequest(_messages: unknown, context: MiddlewareContext): undefined {
    const key = this.#keyFn(context);
    const used = this.getUsed(key);
    if (this.#onExceeded === 'refuse' && used >= this.#maxTokens) {
      throw new TokenBudgetExceededError({ key, usedTokens: used, maxTokens: this.#maxTokens });
    }
    return undefined;
  }

  processResponse(response: LLMResponse, context: MiddlewareContext): undefined {
    // What the node can show now: counted so far plus this turn's calls up to here. The
    // authoritative count is taken in `afterTurn`, once every call of the turn is known.
    const key = this.#keyFn(context);
    const turnTokens = context.modelCalls.reduce((sum, call) => sum + (call.usage?.totalTokens ?? 0), 0);
    const used = this.getUsed(key) + turnTokens;
    context.setNodeMetadata('tokenBudget', {
      used,
      max: this.#maxTokens,
      remaining: Math.max(0, this.#maxTokens - used),
    });
    if (used > this.#maxTokens) context.setNodeMetadata('tokenBudgetExceeded', true);
    return undefined;
  }

  /**
   * Counts every model call of the finished turn — the answer, discarded attempts, judges
   * — under the key. A call whose usage the provider did not report is counted by the
   * manager's estimate of the text it carried, so an unknown usage never spends nothing.
   */
  afterTurn(turn: TurnSummary, context: MiddlewareContext): void {
    const key = this.#keyFn(context);
    let estimated = 0;
    for (const call of turn.modelCalls) {
      if (call.usage === undefined) estimated += call.estimatedTokens ?? this.#unknownCallTokens;
    }
    const used = this.getUsed(key) + turn.usage.totalTokens + estimated;
    this.#used.set(key, used);
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
