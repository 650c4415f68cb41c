import type { RagDroppedResult } from '@dk/spec';
import { RagConfigError } from './rag-config-error.js';

/** Counts the tokens of a text for RAG budgets. */
export type RagTokenCounter = (text: string) => number;

/**
 * The default token estimate of RAG budgets: one token per four characters, rounded up
 * (`ceil(length / 4)`). Close enough for English prose with GPT-style tokenizers; pass
 * your tokenizer as `countTokens` for exact budgets.
 */
export function estimateRagTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The prompt-wide RAG budget of a render, reported in `RagOutcome.budget`. */
export interface RagPromptBudget {
  /** The budget for all RAG content of the prompt. */
  readonly maxTokens: number;
  /** Tokens of the items kept, across every config. */
  readonly usedTokens: number;
  /** Results the prompt budget dropped (config budgets report theirs on their runs). */
  readonly dropped: readonly (RagDroppedResult & { readonly placeholder: string; readonly adapterName: string })[];
}

/** One item competing for a budget. */
export interface RagBudgetItem {
  /** Its cost in tokens. */
  readonly tokens: number;
  readonly score: number;
}

/**
 * Splits `items` (already in the order they should be added) into those that fit `maxTokens`
 * and those that do not. Items are added one by one; the first that would exceed the budget
 * and every item after it are dropped, so the budget is cut at an item boundary and never
 * inside an item, and nothing kept ranks below something dropped.
 */
export function cutToBudget<T extends RagBudgetItem>(
  items: readonly T[],
  maxTokens: number,
): { readonly kept: T[]; readonly dropped: T[]; readonly usedTokens: number } {
  let usedTokens = 0;
  let index = 0;
  for (; index < items.length; index++) {
    const cost = items[index]!.tokens;
    if (usedTokens + cost > maxTokens) break;
    usedTokens += cost;
  }
  return { kept: items.slice(0, index), dropped: items.slice(index), usedTokens };
}

/** Checks a token budget value; `field` names it in the error. */
export function checkTokenBudget(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RagConfigError({
      message: `RAG ${field} must be a positive integer number of tokens, got ${String(value)}. Leave it unset for no budget.`,
      field,
    });
  }
  return value;
}
