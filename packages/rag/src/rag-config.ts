import { checkOptions } from '@dk/spec';
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
  /**
   * Milliseconds the search may take before it counts as failed (then the failure policy
   * applies: `throw`, or `omit` with a warning). Default: the builder's `ragTimeoutMs`, else
   * {@link defaultRagTimeoutMs}.
   */
  readonly timeout_ms?: number;
  /**
   * What the placeholder holds when none of its configs contributed a result (nothing found,
   * everything below `score_threshold`, failed under `omit`, query empty), so a prompt never
   * says "use these documents" over an empty block without the model being told. Default
   * {@link defaultRagEmptyText}; `""` leaves the placeholder empty. Not used when RAG is off.
   */
  readonly empty_text?: string;
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
  /** The config's own timeout in milliseconds, or `undefined` (the caller's default applies). */
  readonly timeoutMs: number | undefined;
  /** Text the placeholder holds when no config of it contributed a result. */
  readonly emptyText: string;
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

/** What a RAG placeholder holds when its searches contributed nothing (see {@link RagConfig.empty_text}). */
export const defaultRagEmptyText = '(No relevant documents were found for this request.)';

/** Milliseconds a search may take when neither its config nor the caller sets a timeout. */
export const defaultRagTimeoutMs = 30_000;

const placeholderPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ragConfigFields = [
  'adapter_name',
  'query',
  'k',
  'filters',
  'score_threshold',
  'placeholder',
  'header',
  'item_template',
  'separator',
  'max_tokens',
  'timeout_ms',
  'empty_text',
];

/**
 * Checks a timeout in milliseconds: a positive integer, or `Infinity` for none. `field`
 * names it in the error. Returns `undefined` for `undefined`.
 */
export function checkRagTimeout(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RagConfigError({
      message: `RAG ${field} must be a positive integer number of milliseconds (or Infinity for no timeout), got ${String(value)}.`,
      field,
    });
  }
  return value;
}

function checkText(config: RagConfig, field: 'header' | 'item_template' | 'separator' | 'empty_text'): void {
  const value = config[field];
  if (value !== undefined && typeof value !== 'string') {
    throw new RagConfigError({ message: `RAG config ${field} must be a string, got ${typeof value}.`, field });
  }
}

/**
 * Checks a RAG config and applies the defaults. Throws {@link RagConfigError} naming the
 * field when a value is out of range, and `InvalidOptionsError` (with a did-you-mean) for a
 * field it does not know (`scoreThreshold` → `score_threshold`).
 */
export function normalizeRagConfig(config: RagConfig): NormalizedRagConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new RagConfigError({
      message: `A RAG config must be an object such as { adapter_name: 'docs', query: '{{topic}}' }, got ${config === null ? 'null' : typeof config}.`,
      field: '',
    });
  }
  checkOptions('RagConfig', config, ragConfigFields);
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
  for (const field of ['header', 'item_template', 'separator', 'empty_text'] as const) checkText(config, field);
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
    timeoutMs: checkRagTimeout(config.timeout_ms, 'timeout_ms'),
    emptyText: config.empty_text ?? defaultRagEmptyText,
  };
}
