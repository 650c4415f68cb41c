import type { RagDroppedResult, SearchResult } from '@dk/spec';
import { formatRagContent } from './format-rag-content.js';
import { cutToBudget } from './rag-budget.js';
import type { RagPromptBudget, RagTokenCounter } from './rag-budget.js';

/** One search's results as the budgets see them. */
interface BudgetedSearch {
  /** The parts of the normalised RAG config the budgets use. */
  readonly config: {
    readonly adapterName: string;
    readonly placeholder: string;
    readonly itemTemplate: string;
    readonly separator: string;
    readonly maxTokens: number | undefined;
  };
  /** Results after the score threshold and `k`, best first. */
  readonly results: readonly SearchResult[];
}

/** What the budgets kept of one search. */
interface RagBudgetChoice {
  readonly kept: SearchResult[];
  readonly tokens: number | undefined;
  readonly dropped: RagDroppedResult[];
}

interface Costed {
  readonly entry: number;
  readonly position: number;
  readonly result: SearchResult;
  readonly score: number;
  readonly tokens: number;
}

/**
 * Applies each config's `max_tokens`, then the prompt-wide budget. An item costs its text
 * formatted alone (with a citation number at least as long as its final one, so the final
 * text never costs more) plus the separator before it when it is not the first.
 */
export function applyRagBudgets(
  searched: readonly BudgetedSearch[],
  params: Readonly<Record<string, unknown>>,
  promptBudget: number | undefined,
  countTokens: RagTokenCounter,
): { readonly perEntry: readonly RagBudgetChoice[]; readonly budget: RagPromptBudget | undefined } {
  const anyBudget = promptBudget !== undefined || searched.some((entry) => entry.config.maxTokens !== undefined);
  if (!anyBudget) {
    return {
      perEntry: searched.map((entry) => ({ kept: [...entry.results], tokens: undefined, dropped: [] })),
      budget: undefined,
    };
  }
  let provisional = 1;
  const perEntry: { kept: Costed[]; dropped: RagDroppedResult[] }[] = searched.map((entry, entryIndex) => {
    const { config } = entry;
    const separatorTokens = entry.results.length > 1 ? countTokens(config.separator) : 0;
    const costed = entry.results.map((result, position): Costed => {
      const text = formatRagContent([result], {
        itemTemplate: config.itemTemplate,
        params,
        firstCitation: provisional + position,
      });
      return {
        entry: entryIndex,
        position,
        result,
        score: result.score,
        tokens: countTokens(text) + (position > 0 ? separatorTokens : 0),
      };
    });
    provisional += entry.results.length;
    if (config.maxTokens === undefined) return { kept: costed, dropped: [] };
    const cut = cutToBudget(costed, config.maxTokens);
    return { kept: cut.kept, dropped: cut.dropped.map((item) => droppedOf(item, 'config')) };
  });
  let budget: RagPromptBudget | undefined;
  if (promptBudget !== undefined) {
    const all = perEntry
      .flatMap((choice) => choice.kept)
      .sort((left, right) => right.score - left.score || left.entry - right.entry || left.position - right.position);
    const cut = cutToBudget(all, promptBudget);
    const keep = new Set(cut.kept);
    for (const choice of perEntry) {
      for (const item of choice.kept) if (!keep.has(item)) choice.dropped.push(droppedOf(item, 'prompt'));
      choice.kept = choice.kept.filter((item) => keep.has(item));
    }
    budget = {
      maxTokens: promptBudget,
      usedTokens: cut.usedTokens,
      dropped: cut.dropped.map((item) => ({
        ...droppedOf(item, 'prompt'),
        placeholder: searched[item.entry]!.config.placeholder,
        adapterName: searched[item.entry]!.config.adapterName,
      })),
    };
  }
  return {
    perEntry: perEntry.map((choice) => ({
      kept: choice.kept.map((item) => item.result),
      tokens: choice.kept.reduce((sum, item) => sum + item.tokens, 0),
      dropped: choice.dropped,
    })),
    budget,
  };
}

function droppedOf(item: Costed, budget: RagDroppedResult['budget']): RagDroppedResult {
  return { id: item.result.id, score: item.result.score, tokens: item.tokens, budget };
}
