import type { LLMResponse } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationLogger } from '../conversation-logger.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';
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
}

/**
 * Counts the tokens used per key (conversation by default) in process memory. When the
 * budget is spent it warns, or refuses further calls before they reach the model. Records
 * `tokenBudget: { used, max, remaining }` (cumulative) on every assistant node.
 */
export class TokenBudgetMiddleware implements ConversationMiddleware {
  readonly name = 'TokenBudgetMiddleware';
  readonly #maxTokens: number;
  readonly #keyFn: (context: MiddlewareContext) => string;
  readonly #onExceeded: 'warn' | 'refuse';
  readonly #logger: ConversationLogger;
  readonly #used = new Map<string, number>();

  constructor({
    maxTokens,
    keyFn = (context) => context.conversationId,
    onExceeded = 'warn',
    logger = console,
  }: TokenBudgetMiddlewareOptions) {
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
      throw new ConversationInputError({ field: 'maxTokens', reason: 'must be a positive integer' });
    if (onExceeded !== 'warn' && onExceeded !== 'refuse')
      throw new ConversationInputError({ field: 'onExceeded', reason: "must be 'warn' or 'refuse'" });
    this.#maxTokens = maxTokens;
    this.#keyFn = keyFn;
    this.#onExceeded = onExceeded;
    this.#logger = logger;
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
    const key = this.#keyFn(context);
    // A response without usage (unknown) adds nothing it can count.
    const used = this.getUsed(key) + (response.usage?.totalTokens ?? 0);
    this.#used.set(key, used);
    context.setNodeMetadata('tokenBudget', {
      used,
      max: this.#maxTokens,
      remaining: Math.max(0, this.#maxTokens - used),
    });
    if (used > this.#maxTokens) {
      context.setNodeMetadata('tokenBudgetExceeded', true);
      this.#logger.warn(`Token budget exceeded: ${used}/${this.#maxTokens}`, {
        key,
        usedTokens: used,
        maxTokens: this.#maxTokens,
        conversationId: context.conversationId,
      });
    }
    return undefined;
  }
}
