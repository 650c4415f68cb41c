import { checkRagTimeout, checkTokenBudget } from '@dk/rag';
import type { RagAdapter, RagConfig, RagFailurePolicy, RagTokenCounter } from '@dk/rag';
import { checkOptions } from '@dk/spec';
import type { RagResultCache } from '@dk/spec';
import { ValidationLevel } from '@dk/templates';
import { BuilderConfigurationError } from './builder-configuration-error.js';
import type { PromptKind, PromptValidation } from './prompt-definition.js';
import type { PromptLibrary, PromptLookupOptions } from './prompt-library.js';

/**
 * Search adapters a builder can use. Anything with `search(query, options)` is an adapter:
 * a `SearchAdapter` from `@dk/spec`, or a plain object such as a test's mock.
 *
 * - A record `{ docs: adapter }` (the guide's form): the key is the name RAG configs use in
 *   `adapter_name`, whatever the adapter's own `name`.
 * - A list `[adapter]`: each adapter's own `name` is used; names must be unique.
 */
export type PromptBuilderAdapters =
  Readonly<Record<string, RagAdapter>> | readonly (RagAdapter & { readonly name: string })[];

/** Settings of a {@link PromptBuilder}. */
export interface PromptBuilderSettings {
  /** Where named prompts come from. Optional when only inline templates are rendered. */
  readonly library?: PromptLibrary;
  /** Search adapters RAG configs can name (see {@link PromptBuilderAdapters}). */
  readonly adapters?: PromptBuilderAdapters;
  /**
   * Validation level for every prompt this builder renders, overriding each prompt's own
   * `validation.level` (the guide's "override for all prompts"); a call's
   * `validationLevel` overrides it in turn. When not set, each prompt's own level applies,
   * and `'warn'` for prompts that set none.
   */
  readonly defaultValidationLevel?: ValidationLevel;
  /** What a failed or timed-out RAG search does. Default `'throw'`. */
  readonly ragFailurePolicy?: RagFailurePolicy;
  /** Token budget for all RAG content of one prompt (see `runRagSearches`' `maxTokens`). Default: none. */
  readonly ragMaxTokens?: number;
  /** Token counter of RAG budgets. Default `estimateRagTokens` (characters / 4). */
  readonly ragCountTokens?: RagTokenCounter;
  /**
   * Milliseconds a RAG search may take when its config sets no `timeout_ms`; `Infinity` for
   * none. Default `defaultRagTimeoutMs` of `@dk/rag` (30,000).
   */
  readonly ragTimeoutMs?: number;
  /** Clock behind `current_date` and friends. */
  readonly clock?: () => Date;
}

/** Options of one render. Nothing in them is mutated, and nothing they set outlives the call. */
export interface RenderPromptOptions extends PromptLookupOptions {
  /** The params; the prompt's `defaults` fill in what is absent. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Overrides the builder's default and the prompt's own validation level for this call only. */
  readonly validationLevel?: ValidationLevel;
  /** Run the prompt's RAG searches. Default true. When false, RAG placeholders render empty. */
  readonly includeRag?: boolean;
  /** Overrides the builder's RAG failure policy for this call. */
  readonly ragFailurePolicy?: RagFailurePolicy;
  /** Overrides the builder's prompt-wide RAG token budget for this call. */
  readonly ragMaxTokens?: number;
  /** Overrides the builder's RAG search timeout for this call (a config's `timeout_ms` still wins). */
  readonly ragTimeoutMs?: number;
  /**
   * Results of earlier searches by query hash (`RagRun.queryHash`): a hit is used instead of
   * searching and the run reports `cacheHit: true`; searches that ran are stored in it.
   */
  readonly ragCache?: RagResultCache;
}

/** Options of {@link PromptBuilder.renderInlinePrompt}. */
export interface RenderInlinePromptOptions extends RenderPromptOptions {
  /** `system` or `user`; reported in the result. Default `user`. */
  readonly kind?: PromptKind;
  /** Defaults for the inline template. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Validation block, as in a prompt file. */
  readonly validation?: PromptValidation;
  /** RAG configs, as in a prompt file's `rag_configs`. */
  readonly ragConfigs?: readonly RagConfig[];
}

/** Builder settings after their checks. */
export interface CheckedBuilderSettings {
  readonly library: PromptLibrary | undefined;
  readonly adapters: ReadonlyMap<string, RagAdapter>;
  /** `undefined` when not set: each prompt's own level applies. */
  readonly defaultLevel: ValidationLevel | undefined;
  readonly policy: RagFailurePolicy;
  readonly ragMaxTokens: number | undefined;
  readonly ragCountTokens: RagTokenCounter | undefined;
  readonly ragTimeoutMs: number | undefined;
  readonly clock: (() => Date) | undefined;
}

const settingNames = [
  'library',
  'adapters',
  'defaultValidationLevel',
  'ragFailurePolicy',
  'ragMaxTokens',
  'ragCountTokens',
  'ragTimeoutMs',
  'clock',
];
const renderOptionNames = [
  'params',
  'validationLevel',
  'includeRag',
  'ragFailurePolicy',
  'ragMaxTokens',
  'ragTimeoutMs',
  'ragCache',
  'signal',
  'userId',
  'version',
  'label',
];
const inlineOptionNames = [...renderOptionNames, 'kind', 'defaults', 'validation', 'ragConfigs'];
const levels: readonly unknown[] = Object.values(ValidationLevel);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function checkLevel(value: unknown, field: string): ValidationLevel | undefined {
  if (value === undefined || levels.includes(value)) return value as ValidationLevel | undefined;
  throw new BuilderConfigurationError(`${field} must be 'error', 'warn' or 'ignore', got ${describe(value)}.`);
}

function checkPolicy(value: unknown, field: string): RagFailurePolicy | undefined {
  if (value === undefined || value === 'throw' || value === 'omit') return value;
  throw new BuilderConfigurationError(`${field} must be 'throw' or 'omit', got ${describe(value)}.`);
}

function checkFunction<T>(value: T, field: string): T {
  if (value !== undefined && typeof value !== 'function') {
    throw new BuilderConfigurationError(`${field} must be a function, got ${describe(value)}.`);
  }
  return value;
}

function checkAdapter(adapter: unknown, where: string): RagAdapter {
  if (typeof adapter !== 'object' || adapter === null || typeof (adapter as RagAdapter).search !== 'function') {
    throw new BuilderConfigurationError(
      `${where} is not a search adapter: it needs a search(query, options) method returning results shaped { content, score }. Got ${describe(adapter)}.`,
    );
  }
  return adapter as RagAdapter;
}

/** The adapters by the name RAG configs use. */
function toAdapterMap(adapters: unknown): ReadonlyMap<string, RagAdapter> {
  const map = new Map<string, RagAdapter>();
  if (adapters === undefined) return map;
  if (Array.isArray(adapters)) {
    adapters.forEach((candidate: unknown, index) => {
      const adapter = checkAdapter(candidate, `adapters[${index}]`);
      const { name } = adapter;
      if (typeof name !== 'string' || name === '') {
        throw new BuilderConfigurationError(
          `adapters[${index}] has no name. Give it a \`name\`, or pass adapters as a record: adapters: { docs: adapter }.`,
        );
      }
      if (map.has(name)) {
        throw new BuilderConfigurationError(
          `Two search adapters are named "${name}". Adapter names must be unique: RAG configs address adapters by name.`,
        );
      }
      map.set(name, adapter);
    });
    return map;
  }
  if (typeof adapters !== 'object' || adapters === null || adapters instanceof Map) {
    throw new BuilderConfigurationError(
      `adapters must be a record by name ({ docs: adapter }) or a list of named adapters, got ${adapters instanceof Map ? 'a Map' : describe(adapters)}.`,
    );
  }
  for (const [name, candidate] of Object.entries(adapters)) map.set(name, checkAdapter(candidate, `adapters.${name}`));
  return map;
}

function checkLibrary(library: unknown): PromptLibrary | undefined {
  if (library === undefined) return undefined;
  const candidate = library as Partial<PromptLibrary> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.getPrompt !== 'function' ||
    typeof candidate.listPrompts !== 'function' ||
    typeof candidate.getRagConfig !== 'function' ||
    typeof candidate.listRagConfigs !== 'function'
  ) {
    throw new BuilderConfigurationError(
      `library must be a prompt library (FileSystemPromptLibrary, ConfigPromptLibrary, …) with getPrompt, listPrompts, getRagConfig and listRagConfigs, got ${describe(library)}.`,
    );
  }
  return library as PromptLibrary;
}

/**
 * Checks the settings of a `PromptBuilder`: unknown names (with a did-you-mean, snake_case →
 * camelCase) throw `InvalidOptionsError`, wrong values `BuilderConfigurationError`.
 */
export function checkBuilderSettings(settings: PromptBuilderSettings): CheckedBuilderSettings {
  checkOptions('PromptBuilder', settings, settingNames);
  return {
    library: checkLibrary(settings.library),
    adapters: toAdapterMap(settings.adapters),
    defaultLevel: checkLevel(settings.defaultValidationLevel, 'defaultValidationLevel'),
    policy: checkPolicy(settings.ragFailurePolicy, 'ragFailurePolicy') ?? 'throw',
    ragMaxTokens: checkTokenBudget(settings.ragMaxTokens, 'ragMaxTokens'),
    ragCountTokens: checkFunction(settings.ragCountTokens, 'ragCountTokens'),
    ragTimeoutMs: checkRagTimeout(settings.ragTimeoutMs, 'ragTimeoutMs'),
    clock: checkFunction(settings.clock, 'clock'),
  };
}

/** Checks the options of one render (names, and the values a plain-JS caller gets wrong most). */
export function checkRenderOptions(method: string, options: RenderInlinePromptOptions, inline: boolean): void {
  checkOptions(`PromptBuilder.${method}`, options, inline ? inlineOptionNames : renderOptionNames);
  const { params } = options;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new BuilderConfigurationError(
      `params must be an object of template parameters, such as { code: '…' }, got ${describe(params)}.`,
    );
  }
  checkLevel(options.validationLevel, 'validationLevel');
  checkPolicy(options.ragFailurePolicy, 'ragFailurePolicy');
}
