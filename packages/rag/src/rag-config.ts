import type { SearchFilters } from '@dk/spec';
import { checkTokenBudget } from './rag-budget.js';
import { RagConfigError } from './rag-config-error.js';

/**
 * One RAG step of a prompt, as written in a prompt file (`rag_configs` entries and files in
 * `rag/`): which adapter to search, with what query, and how to format the results into a
 * template variable.
 */
export interface RagConfig {
  /** Name of the search adapter (a `SearchAdapter.name` the builder knows). */
  readonly adapter_name: string;
  /** The query, a template over the prompt's params: `"{{language}} {{topic}}"`. */
  readonly query: string;
  /** Maximum number of results. Default 5. */
  readonly k?: number;
  /** Metadata equality filters passed to the adapter. */
  readonly filters?: SearchFilters;
  /** Minimum normalised score (0–1) of a result. Default: none. */
  readonly score_threshold?: number;
  /** Template variable that receives the formatted results. Default `RAG_CONTENT`. */
  readonly placeholder?: string;
  /** Text before the items (a template over the params and `count`). Default empty. */
  readonly header?: string;
  /** Template of one item. Default {@link defaultItemTemplate}. */
  readonly item_template?: string;
  /** Text between two items. Default a blank line (`"\n\n"`). */
  readonly separator?: string;
  /**
   * Token budget of this config's items (formatted item plus separator each; the header is
   * not counted). Items are added best first and cut at an item boundary; what was dropped
   * is reported on the run. Default: no budget.
   */
  readonly max_tokens?: number;
}

/** A {@link RagConfig} with every default applied, in camelCase. */
export interface NormalizedRagConfig {
  readonly adapterName: string;
  readonly query: string;
  readonly k: number;
  readonly filters: SearchFilters | undefined;
  readonly scoreThreshold: number | undefined;
  readonly placeholder: string;
  readonly header: string;
  readonly itemTemplate: string;
  readonly separator: string;
  /** Token budget of this config's items, or `undefined`. */
  readonly maxTokens: number | undefined;
}

/** Placeholder that receives RAG content when a config names none. */
export const defaultRagPlaceholder = 'RAG_CONTENT';

/**
 * The default item template. It fences the retrieved text as untrusted material (so the
 * model treats it as data, not instructions) and carries the citation number `index`,
 * which matches `citation` in the RAG metadata of the render.
 */
export const defaultItemTemplate =
  '<document index="{{index}}" source="{{id}}" trust="untrusted">\n{{content}}\n</document>';

/** Text between two formatted items when a config names none. */
export const defaultRagSeparator = '\n\n';

const placeholderPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a RAG config and applies the defaults. Throws {@link RagConfigError} naming the
 * field when a value is out of range.
 */
export function normalizeRagConfig(config: RagConfig): NormalizedRagConfig {
  if (typeof config.adapter_name !== 'string' || config.adapter_name.trim() === '') {
    throw new RagConfigError({
      message: 'RAG config needs `adapter_name`: the name of a search adapter given to the builder.',
      field: 'adapter_name',
    });
  }
  if (typeof config.query !== 'string') {
    throw new RagConfigError({
      message: 'RAG config needs `query`, a template over the prompt params such as "{{topic}}".',
      field: 'query',
    });
  }
  const k = config.k ?? 5;
  if (!Number.isInteger(k) || k < 1) {
    throw new RagConfigError({ message: `RAG config k must be a positive integer, got ${String(k)}.`, field: 'k' });
  }
  const threshold = config.score_threshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))) {
    throw new RagConfigError({
      message: `RAG config score_threshold must be between 0 and 1 (scores are normalised), got ${String(threshold)}.`,
      field: 'score_threshold',
    });
  }
  const placeholder = config.placeholder ?? defaultRagPlaceholder;
  if (!placeholderPattern.test(placeholder)) {
    throw new RagConfigError({
      message: `RAG config placeholder must be a variable name like RAG_CONTENT, got "${placeholder}".`,
      field: 'placeholder',
    });
  }
  return {
    adapterName: config.adapter_name,
    query: config.query,
    k,
    filters: config.filters,
    scoreThreshold: threshold,
    placeholder,
    header: config.header ?? '',
    itemTemplate: config.item_template ?? defaultItemTemplate,
    separator: config.separator ?? defaultRagSeparator,
    maxTokens: checkTokenBudget(config.max_tokens, 'max_tokens'),
  };
}
