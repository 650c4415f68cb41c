import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** `TokenBudgetMiddleware` (mode `refuse`) refused a model call because the budget is spent. */
export class TokenBudgetExceededError extends DkError {
  static override readonly errorName: string = 'TokenBudgetExceededError';

  /** The budget key (conversation id or the configured key). */
  readonly key: string;
  /** Tokens used so far under this key. */
  readonly usedTokens: number;
  /** The budget. */
  readonly maxTokens: number;

  constructor({
    key,
    usedTokens,
    maxTokens,
  }: {
    readonly key: string;
    readonly usedTokens: number;
    readonly maxTokens: number;
  }) {
    super({
      message: `Token budget exhausted for "${key}": ${usedTokens} of ${maxTokens} tokens used. Raise \`maxTokens\`, reset the budget, or use \`onExceeded: 'warn'\`.`,
      code: 'TOKEN_BUDGET_EXCEEDED',
    });
    this.key = key;
    this.usedTokens = usedTokens;
    this.maxTokens = maxTokens;
  }

  override get fields(): DkErrorFields {
    return { key: this.key, usedTokens: this.usedTokens, maxTokens: this.maxTokens };
  }
}
