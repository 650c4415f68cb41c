import { checkTokenBudget, makeVariablesOptional, normalizeRagConfig, runRagSearches } from '@dk/rag';
import type {
  RagConfig,
  RagFailurePolicy,
  RagPromptBudget,
  RagResultCache,
  RagRun,
  RagSearchRequest,
  RagTokenCounter,
} from '@dk/rag';
import type { SearchAdapter } from '@dk/spec';
import { compileTemplate, ValidationLevel } from '@dk/templates';
import type { CompiledTemplate, RenderOptions, RenderResult } from '@dk/templates';
import { createHash } from 'node:crypto';
import { closestNames } from '@dk/spec';
import type { PromptKind, PromptMetadata, PromptValidation } from './prompt-definition.js';
import { PromptFileError } from './prompt-file-error.js';
import type { PromptEntry, PromptLibrary, PromptLookupOptions } from './prompt-library.js';
import { PromptNotFoundError } from './prompt-not-found-error.js';
import type { PromptProblem } from './prompt-problem.js';
import { resolvePrompt } from './resolve-prompt.js';
import type { PromptDependencies, ResolvedPrompt } from './resolve-prompt.js';
import { BuilderConfigurationError } from './builder-configuration-error.js';

/** Settings of a {@link PromptBuilder}. */
export interface PromptBuilderSettings {
  /** Where named prompts come from. Optional when only inline templates are rendered. */
  readonly library?: PromptLibrary;
  /** Search adapters RAG configs can name (`adapter_name` = the adapter's `name`). */
  readonly adapters?: readonly SearchAdapter[];
  /** Validation level when neither the prompt nor the call sets one. Default `'warn'`. */
  readonly defaultValidationLevel?: ValidationLevel;
  /** What a failed RAG search does. Default `'throw'`. */
  readonly ragFailurePolicy?: RagFailurePolicy;
  /** Token budget for all RAG content of one prompt (see `runRagSearches`' `maxTokens`). Default: none. */
  readonly ragMaxTokens?: number;
  /** Token counter of RAG budgets. Default `estimateRagTokens` (characters / 4). */
  readonly ragCountTokens?: RagTokenCounter;
  /** Clock behind `current_date` and friends. */
  readonly clock?: () => Date;
}

/** Options of one render. Nothing in them is mutated, and nothing they set outlives the call. */
export interface RenderPromptOptions extends PromptLookupOptions {
  /** The params; the prompt's `defaults` fill in what is absent. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Overrides the prompt's and the builder's validation level for this call only. */
  readonly validationLevel?: ValidationLevel;
  /** Run the prompt's RAG searches. Default true. When false, RAG placeholders render empty. */
  readonly includeRag?: boolean;
  /** Overrides the builder's RAG failure policy for this call. */
  readonly ragFailurePolicy?: RagFailurePolicy;
  /** Overrides the builder's prompt-wide RAG token budget for this call. */
  readonly ragMaxTokens?: number;
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

/** What a render produced, and where it came from. */
export interface PromptRenderResult {
  /** The rendered text. */
  readonly content: string;
  /** Required params that were missing, in declaration order. */
  readonly missing: readonly string[];
  /** Variables left verbatim because they had no value. */
  readonly unresolved: readonly string[];
  /** Validation warnings and RAG failures (under the `omit` policy). */
  readonly warnings: readonly string[];
  /** Root params used, with the values they resolved to. */
  readonly paramsUsed: Readonly<Record<string, unknown>>;
  /** Prompt name (`<inline>` for inline templates). */
  readonly name: string;
  readonly kind: PromptKind;
  /** Library (or composite member) that supplied the prompt. */
  readonly library: string | undefined;
  /** Version, for versioned libraries. */
  readonly version: string | undefined;
  /** SHA-256 prefix of the resolved prompt: the same hash means the same prompt text and settings. */
  readonly contentHash: string;
  /** The validation level that applied. */
  readonly validationLevel: ValidationLevel;
  /** The merged `metadata` of the prompt (parameter docs, author, …). */
  readonly metadata: PromptMetadata;
  /** One record per RAG config that ran (adapter, rendered query and its hash, results with citation numbers, cache hit, budget, timing, status). */
  readonly rag: readonly RagRun[];
  /** The prompt-wide RAG token budget and what it dropped, when one applied. */
  readonly ragBudget: RagPromptBudget | undefined;
}

interface Prepared {
  readonly prompt: ResolvedPrompt;
  /** Library entries to re-check before reusing this; `undefined` when there are none. */
  readonly dependencies: PromptDependencies | undefined;
  /** Render options per validation level, built once. */
  readonly renderOptions: Map<ValidationLevel, RenderOptions>;
  readonly compiled: CompiledTemplate;
  readonly placeholders: readonly string[];
  readonly optional: readonly string[];
  readonly required: readonly string[];
}

const inlineName = '<inline>';

interface Remembered {
  readonly revision: number;
  readonly prepared: Prepared;
}

/** The builder's result: a class so every render builds one fixed-shape object. */
class BuiltPromptResult implements PromptRenderResult {
  readonly content: string;
  readonly missing: readonly string[];
  readonly unresolved: readonly string[];
  readonly warnings: readonly string[];
  readonly name: string;
  readonly kind: PromptKind;
  readonly library: string | undefined;
  readonly version: string | undefined;
  readonly contentHash: string;
  readonly validationLevel: ValidationLevel;
  readonly metadata: PromptMetadata;
  readonly rag: readonly RagRun[];
  readonly ragBudget: RagPromptBudget | undefined;
  readonly #render: RenderResult;

  constructor(
    prompt: ResolvedPrompt,
    render: RenderResult,
    level: ValidationLevel,
    warnings: readonly string[],
    rag: readonly RagRun[],
    ragBudget: RagPromptBudget | undefined,
  ) {
    this.content = render.content;
    this.missing = render.missing;
    this.unresolved = render.unresolved;
    this.warnings = warnings.length > 0 ? [...render.warnings, ...warnings] : render.warnings;
    this.name = prompt.name;
    this.kind = prompt.kind;
    this.library = prompt.library;
    this.version = prompt.version;
    this.contentHash = prompt.contentHash;
    this.validationLevel = level;
    this.metadata = prompt.metadata;
    this.rag = rag;
    this.ragBudget = ragBudget;
    this.#render = render;
  }

  /** Computed by the template engine on first access only. */
  get paramsUsed(): Readonly<Record<string, unknown>> {
    return this.#render.paramsUsed;
  }

  /** A plain JSON-ready copy, `paramsUsed` included. */
  toJSON(): PromptRenderResult {
    return { ...this, paramsUsed: this.paramsUsed };
  }
}

/**
 * Renders prompts from a library (or inline templates): looks the prompt up, applies its
 * `extends` chain and sections, runs its RAG searches concurrently, and renders it with
 * validation. Validation level precedence: the builder's default < the prompt's own level <
 * the call's `validationLevel`; a call never changes the library or later calls.
 */
export class PromptBuilder {
  readonly #library: PromptLibrary | undefined;
  readonly #adapters: ReadonlyMap<string, SearchAdapter>;
  readonly #defaultLevel: ValidationLevel;
  readonly #policy: RagFailurePolicy;
  readonly #ragMaxTokens: number | undefined;
  readonly #ragCountTokens: RagTokenCounter | undefined;
  readonly #clock: (() => Date) | undefined;
  readonly #cache = new WeakMap<PromptEntry, Prepared>();
  /** Prepared prompts by kind and name, valid while the library's revision is unchanged. */
  readonly #byName = { system: new Map<string, Remembered>(), user: new Map<string, Remembered>() };
  readonly #inline = new Map<string, Prepared>();

  constructor(settings: PromptBuilderSettings = {}) {
    this.#library = settings.library;
    const adapters = new Map<string, SearchAdapter>();
    for (const adapter of settings.adapters ?? []) {
      if (adapters.has(adapter.name)) {
        throw new BuilderConfigurationError(
          `Two search adapters are named "${adapter.name}". Adapter names must be unique: RAG configs address adapters by name.`,
        );
      }
      adapters.set(adapter.name, adapter);
    }
    this.#adapters = adapters;
    const level = settings.defaultValidationLevel ?? ValidationLevel.WARN;
    if (!Object.values(ValidationLevel).includes(level)) {
      throw new BuilderConfigurationError(
        `defaultValidationLevel must be 'error', 'warn' or 'ignore', got ${JSON.stringify(level)}.`,
      );
    }
    this.#defaultLevel = level;
    this.#policy = settings.ragFailurePolicy ?? 'throw';
    this.#ragMaxTokens = checkTokenBudget(settings.ragMaxTokens, 'ragMaxTokens');
    this.#ragCountTokens = settings.ragCountTokens;
    this.#clock = settings.clock;
  }

  /**
   * Creates a builder and checks its whole library up front (`extends` chains, sections, RAG
   * refs and, when adapters are given, every `adapter_name`), so a broken prompt tree fails
   * at startup with {@link PromptFileError} listing every problem, not at the first render.
   */
  static async create(settings: PromptBuilderSettings = {}): Promise<PromptBuilder> {
    const builder = new PromptBuilder(settings);
    if (settings.library) {
      const problems = await builder.validateLibrary();
      if (problems.length > 0) throw new PromptFileError({ problems });
    }
    return builder;
  }

  /** Renders a system prompt. Throws `PromptNotFoundError`, `PromptFileError`, `MissingParametersError`, `RagSearchError`. */
  renderSystemPrompt(name: string, options: RenderPromptOptions = {}): Promise<PromptRenderResult> {
    return this.renderPrompt('system', name, options);
  }

  /** Renders a user prompt. Throws like {@link renderSystemPrompt}. */
  renderUserPrompt(name: string, options: RenderPromptOptions = {}): Promise<PromptRenderResult> {
    return this.renderPrompt('user', name, options);
  }

  /** Renders a prompt of either kind. */
  async renderPrompt(kind: PromptKind, name: string, options: RenderPromptOptions = {}): Promise<PromptRenderResult> {
    const prepared = this.#preparedByName(kind, name, options) ?? (await this.#prepare(kind, name, options));
    return prepared.placeholders.length === 0
      ? this.#finish(prepared, options, options.params ?? {}, [], [])
      : this.#render(prepared, options);
  }

  /** The prepared prompt when the library says nothing changed since it was prepared. */
  #preparedByName(kind: PromptKind, name: string, options: PromptLookupOptions): Prepared | undefined {
    if (options.userId !== undefined || options.version !== undefined || options.label !== undefined) return undefined;
    const revision = this.#library?.revision;
    if (revision === undefined) return undefined;
    const cached = this.#byName[kind].get(name);
    return cached?.revision === revision ? cached.prepared : undefined;
  }

  /**
   * Renders a template given as text, with the same validation and RAG handling as a library
   * prompt. Throws `TemplateSyntaxError` for a malformed template.
   */
  async renderInlinePrompt(template: string, options: RenderInlinePromptOptions = {}): Promise<PromptRenderResult> {
    const kind = options.kind ?? 'user';
    const ragRequests: RagSearchRequest[] = (options.ragConfigs ?? []).map((config) => ({ config }));
    const problems: PromptProblem[] = [];
    ragRequests.forEach(({ config }, index) => {
      if (this.#adapters.size > 0 && !this.#adapters.has(config.adapter_name)) {
        problems.push({
          code: 'RAG_ADAPTER_UNKNOWN',
          file: inlineName,
          line: undefined,
          column: undefined,
          path: `ragConfigs[${index}].adapter_name`,
          message: `unknown RAG adapter "${config.adapter_name}". Known adapters: ${[...this.#adapters.keys()].join(', ')}.`,
        });
      }
    });
    if (problems.length > 0) throw new PromptFileError({ problems });
    const key = JSON.stringify([
      kind,
      template,
      options.defaults ?? {},
      options.validation ?? null,
      options.ragConfigs ?? [],
    ]);
    let prepared = this.#inline.get(key);
    if (!prepared) {
      const contentHash = createHash('sha256')
        .update(
          JSON.stringify({
            template,
            defaults: options.defaults ?? {},
            validation: options.validation ?? null,
            rag: ragRequests.map((request) => normalizeRagConfig(request.config)),
          }),
        )
        .digest('hex')
        .slice(0, 16);
      const prompt: ResolvedPrompt = {
        name: inlineName,
        kind,
        library: undefined,
        file: inlineName,
        version: undefined,
        template,
        defaults: { ...options.defaults },
        validation: options.validation,
        metadata: {},
        ragRequests,
        chain: [],
        contentHash,
      };
      prepared = this.#compile(prompt, undefined);
      if (this.#inline.size >= 500) this.#inline.clear();
      this.#inline.set(key, prepared);
    }
    return prepared.placeholders.length === 0
      ? this.#finish(prepared, options, options.params ?? {}, [], [])
      : this.#render(prepared, options);
  }

  /** Required params of a prompt (after `extends`), in declaration order. */
  async getRequiredParameters(kind: PromptKind, name: string, options: PromptLookupOptions = {}): Promise<string[]> {
    return [...(await this.#prepare(kind, name, options)).required];
  }

  /**
   * Checks every prompt of the library: `extends` chains, sections, RAG refs and, when the
   * builder has adapters, adapter names. Returns every problem (empty when all is well).
   */
  async validateLibrary(): Promise<PromptProblem[]> {
    const library = this.#requireLibrary();
    const problems: PromptProblem[] = [];
    for (const kind of ['system', 'user'] as const) {
      for (const name of await library.listPrompts(kind)) {
        const entry = await library.getPrompt(kind, name);
        if (!entry) continue;
        const outcome = await resolvePrompt(library, entry, { adapterNames: this.#adapterNames() });
        if (outcome.problems) problems.push(...outcome.problems);
      }
    }
    return problems;
  }

  #adapterNames(): ReadonlySet<string> | undefined {
    return this.#adapters.size > 0 ? new Set(this.#adapters.keys()) : undefined;
  }

  #requireLibrary(): PromptLibrary {
    if (!this.#library) {
      throw new BuilderConfigurationError(
        'This PromptBuilder has no library. Pass `library` to render named prompts, or use renderInlinePrompt().',
      );
    }
    return this.#library;
  }

  async #prepare(kind: PromptKind, name: string, options: PromptLookupOptions): Promise<Prepared> {
    const library = this.#requireLibrary();
    // Read before the lookups: a change during them makes the remembered entry stale at once.
    const revision = library.revision;
    const lookup: PromptLookupOptions = {
      signal: options.signal,
      userId: options.userId,
      version: options.version,
      label: options.label,
    };
    const entry = await library.getPrompt(kind, name, lookup);
    if (!entry) {
      throw new PromptNotFoundError({
        library: library.name,
        kind,
        name,
        suggestions: closestNames(name, await library.listPrompts(kind)),
      });
    }
    const cached = this.#cache.get(entry);
    if (cached && (cached.dependencies === undefined || (await this.#isFresh(library, cached.dependencies, lookup)))) {
      this.#remember(kind, name, lookup, revision, cached);
      return cached;
    }
    const outcome = await resolvePrompt(library, entry, { lookup, adapterNames: this.#adapterNames() });
    if (outcome.problems) throw new PromptFileError({ problems: outcome.problems });
    const prepared = this.#compile(outcome.prompt, outcome.dependencies);
    this.#cache.set(entry, prepared);
    this.#remember(kind, name, lookup, revision, prepared);
    return prepared;
  }

  #remember(
    kind: PromptKind,
    name: string,
    lookup: PromptLookupOptions,
    revision: number | undefined,
    prepared: Prepared,
  ): void {
    if (
      revision === undefined ||
      lookup.userId !== undefined ||
      lookup.version !== undefined ||
      lookup.label !== undefined
    )
      return;
    const remembered = this.#byName[kind];
    if (remembered.size >= 10_000) remembered.clear();
    remembered.set(name, { revision, prepared });
  }

  async #isFresh(
    library: PromptLibrary,
    dependencies: PromptDependencies,
    lookup: PromptLookupOptions,
  ): Promise<boolean> {
    const baseLookup = { signal: lookup.signal, userId: lookup.userId };
    for (const base of dependencies.bases) {
      if ((await library.getPrompt(base.kind, base.name, baseLookup)) !== base.entry) return false;
    }
    for (const rag of dependencies.ragConfigs) {
      if ((await library.getRagConfig(rag.name, baseLookup)) !== rag.entry) return false;
    }
    return true;
  }

  #compile(prompt: ResolvedPrompt, dependencies: PromptDependencies | undefined): Prepared {
    const placeholders = [...new Set(prompt.ragRequests.map((request) => request.config.placeholder ?? 'RAG_CONTENT'))];
    // RAG placeholders render empty (not verbatim) when RAG is off, failed or found nothing.
    const template =
      placeholders.length > 0 ? makeVariablesOptional(prompt.template, new Set(placeholders)) : prompt.template;
    const hasDependencies =
      dependencies !== undefined && (dependencies.bases.length > 0 || dependencies.ragConfigs.length > 0);
    return {
      prompt,
      dependencies: hasDependencies ? dependencies : undefined,
      renderOptions: new Map(),
      compiled: compileTemplate(template),
      placeholders,
      optional: [...(prompt.validation?.optional_params ?? []), ...placeholders],
      required: [...(prompt.validation?.required_params ?? [])],
    };
  }

  async #render(prepared: Prepared, options: RenderPromptOptions): Promise<PromptRenderResult> {
    const { prompt } = prepared;
    const params: Readonly<Record<string, unknown>> = options.params ?? {};
    const values: Record<string, string> = {};
    const warnings: string[] = [];
    let rag: readonly RagRun[] = [];
    let ragBudget: RagPromptBudget | undefined;
    if (options.includeRag !== false) {
      const maxTokens = options.ragMaxTokens ?? this.#ragMaxTokens;
      const outcome = await runRagSearches({
        requests: prompt.ragRequests,
        adapters: this.#adapters,
        params: { ...prompt.defaults, ...params },
        failurePolicy: options.ragFailurePolicy ?? this.#policy,
        signal: options.signal,
        ...(options.ragCache === undefined ? {} : { cache: options.ragCache }),
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(this.#ragCountTokens === undefined ? {} : { countTokens: this.#ragCountTokens }),
      });
      Object.assign(values, outcome.values);
      rag = outcome.runs;
      ragBudget = outcome.budget;
      for (const run of rag) {
        if (run.status === 'failed') {
          warnings.push(
            `RAG search for ${run.placeholder} on adapter "${run.adapterName}" failed (${run.error?.message ?? 'unknown error'}); rendered without it.`,
          );
        }
      }
    }
    for (const placeholder of prepared.placeholders) values[placeholder] ??= '';
    return this.#finish(prepared, options, { ...params, ...values }, warnings, rag, ragBudget);
  }

  #finish(
    prepared: Prepared,
    options: RenderPromptOptions,
    params: Readonly<Record<string, unknown>>,
    warnings: readonly string[],
    rag: readonly RagRun[],
    ragBudget: RagPromptBudget | undefined = undefined,
  ): PromptRenderResult {
    const { prompt } = prepared;
    const level = options.validationLevel ?? prompt.validation?.level ?? this.#defaultLevel;
    let renderOptions = prepared.renderOptions.get(level);
    if (!renderOptions) {
      renderOptions = {
        validation: { level, required: prepared.required, optional: prepared.optional },
        defaults: prompt.defaults,
        clock: this.#clock,
      };
      prepared.renderOptions.set(level, renderOptions);
    }
    return new BuiltPromptResult(
      prompt,
      prepared.compiled.render(params, renderOptions),
      level,
      warnings,
      rag,
      ragBudget,
    );
  }
}
