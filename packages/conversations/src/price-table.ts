import type { Usage } from '@dk/spec';

/** Price of one model in US dollars per million tokens. */
export interface ModelPrice {
  /** USD per 1,000,000 prompt (input) tokens. */
  readonly inputPerMillion: number;
  /** USD per 1,000,000 completion (output) tokens. */
  readonly outputPerMillion: number;
}

/**
 * Prices keyed by model name. A model is priced by its exact key, else by the longest key
 * that is a prefix of it (`gpt-4o` prices `gpt-4o-2024-08-06`); unpriced models cost `null`.
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Finds the price of `model` in `prices` (exact key, then longest prefix), or `undefined`. */
export function findModelPrice(prices: PriceTable, model: string): ModelPrice | undefined {
  const exact = prices[model];
  if (exact !== undefined) return exact;
  let best: ModelPrice | undefined;
  let bestLength = 0;
  for (const [key, price] of Object.entries(prices)) {
    if (key.length > bestLength && model.startsWith(key)) {
      best = price;
      bestLength = key.length;
    }
  }
  return best;
}

/**
 * Cost of one call in US dollars, or `null` when the model has no price in the table or the
 * provider reported no usage (unknown usage is unpriced, never free).
 */
export function computeCostUsd(prices: PriceTable, model: string, usage: Usage | undefined): number | null {
  const price = findModelPrice(prices, model);
  if (price === undefined || usage === undefined) return null;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000;
}
