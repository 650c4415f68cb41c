import { makeVariablesOptional, normalizeRagConfig, runRagSearches } from '@dk/rag';
import type { RagPromptBudget, RagSearchRequest } from '@dk/rag';
import { closestNames } from '@dk/spec';
import type { PromptRenderer, RagRun } from '@dk/spec';
import { compileTemplate, hasValue } from '@dk/templates';
import type { CompiledTemplate, RenderOptions, ValidationLevel } from '@dk/templates';
import { createHash } from 'node:crypto';
import { BuilderConfigurationError } from './builder-configuration-error.js';
import { collectRenderWarnings } from './collect-render-warnings.js';
import { markSectionLines, removeDroppedSectionLines } from './drop-section-lines.js';
import { paramValue } from './param-value.js';
import type { PromptKind } from './prompt-definition.js';
import { checkBuilderSettings, checkRenderOptions } from './prompt-builder-options.js';
import type {
  CheckedBuilderSettings,
  PromptBuilderSettings,
  RenderInlinePromptOptions,
  RenderPromptOptions,
} from './prompt-builder-options.js';
import { PromptFileError } from './prompt-file-error.js';
import type { PromptEntry, PromptLibrary, PromptLookupOptions } from './prompt-library.js';
import { PromptNotFoundError } from './prompt-not-found-error.js';
import type { PromptProblem } from './prompt-problem.js';
import { BuiltPromptResult } from './prompt-render-result.js';
import type { PromptRenderResult } from './prompt-render-result.js';
import { resolvePrompt } from './resolve-prompt.js';
import type { PromptDependencies, ResolvedPrompt } from './resolve-prompt.js';

interface Prepared {
  readonly prompt: ResolvedPrompt;
  /** Library entries to re-check before reusing this; `undefined` when there are none. */
  readonly dependencies: PromptDependencies | undefined;
  /** Render options per validation level, built once. */
  readonly renderOptions: Map<ValidationLevel, RenderOptions>;
  readonly compiled: CompiledTemplate;
  readonly placeholders: readonly string[];
  /**
   * RAG placeholders written only inside optional sections: when their searches find
   * nothing they stay empty, so the section disappears instead of showing `empty_text`.
   */
  readonly sectionOnly: ReadonlySet<string>;
  /** The prompt's `optional_params`. */
  readonly optional: readonly string[];
  readonly required: readonly string[];
  /**
   * The template with its lines that begin with an optional section marked (see
   * `drop-section-lines`), used when one of `sectionVariables` has no value; `undefined`
   * when there are no such lines.
   */
  readonly markedCompiled: CompiledTemplate | undefined;
  /** Variables that decide whether a marked line can render blank. */
  readonly sectionVariables: readonly string[];
}

const inlineName = '<inline>';

interface Remembered {
  readonly revision: number;
  readonly prepared: Prepared;
}

const otherKind = (kind: PromptKind): PromptKind => (kind === 'system' ? 'user' : 'system');

/**
 * Renders prompts from a library (or inline templates): looks the prompt up, applies its
 * `extends` chain and sections, runs its RAG searches concurrently (each with a deadline),
 * and renders it with validation. Implements the `PromptRenderer` contract of `@dk/spec`.
 *
 * Validation level precedence, lowest to highest, as the guide says: the prompt's own
 * `validation.level` < the builder's `defaultValidationLevel` < the call's
 * `validationLevel` (`'warn'` when none is set); a call never changes the library or later
 * calls. At `warn` the result lists missing params and `{{placeholders}}` left in the text
 * as warnings; at `error` they throw.
 *
 * A line of the template that begins with an optional section and renders blank is removed
 * with the blank lines around it, so dropped sections leave no stray blank lines.
 */
export class PromptBuilder implements PromptRenderer {
  readonly #library: PromptLibrary | undefined;
  readonly #settings: CheckedBuilderSettings;
  readonly #cache = new WeakMap<PromptEntry, Prepared>();
  /** Prepared prompts by kind and name, valid while the library's revision is unchanged. */
  readonly #byName = { system: new Map<string, Remembered>(), user: new Map<string, Remembered>() };
  readonly #inline = new Map<string, Prepared>();

  /**
   * Throws `InvalidOptionsError` for an unknown setting (with a did-you-mean:
   * `default_validation_level` → `defaultValidationLevel`) and
   * {@link BuilderConfigurationError} for a wrong value.
   */
  constructor(settings: PromptBuilderSettings = {}) {
    this.#settings = checkBuilderSettings(settings);
    this.#library = this.#settings.library;
  }

  get #adapters() {
    return this.#settings.adapters;
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
    return this.#renderNamed('system', name, options, 'renderSystemPrompt');
  }

  /** Renders a user prompt. Throws like {@link renderSystemPrompt}. */
  renderUserPrompt(name: string, options: RenderPromptOptions = {}): Promise<PromptRenderResult> {
    return this.#renderNamed('user', name, options, 'renderUserPrompt');
  }

  /** Renders a prompt of either kind. */
  renderPrompt(kind: PromptKind, name: string, options: RenderPromptOptions = {}): Promise<PromptRenderResult> {
    if (kind !== 'system' && kind !== 'user') {
      return Promise.reject(
        new BuilderConfigurationError(`kind must be 'system' or 'user', got ${JSON.stringify(kind)}.`),
      );
    }
    return this.#renderNamed(kind, name, options, 'renderPrompt');
  }

  async #renderNamed(
    kind: PromptKind,
    name: string,
    options: RenderPromptOptions,
    method: string,
  ): Promise<PromptRenderResult> {
    checkRenderOptions(method, options, false);
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
    checkRenderOptions('renderInlinePrompt', options, true);
    if (typeof template !== 'string') {
      throw new BuilderConfigurationError(`renderInlinePrompt needs the template text, got ${typeof template}.`);
    }
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
      const other = await library.getPrompt(otherKind(kind), name, lookup);
      throw new PromptNotFoundError({
        library: library.name,
        kind,
        name,
        suggestions: closestNames(name, await library.listPrompts(kind)),
        existsAs: other ? otherKind(kind) : undefined,
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
    // With every param absent, a variable outside all sections is the only kind left verbatim.
    const open =
      placeholders.length > 0
        ? new Set(
            compileTemplate(prompt.template).render({}, { validation: { level: 'ignore' }, clock: () => new Date(0) })
              .unresolved,
          )
        : new Set<string>();
    // RAG placeholders render empty (not verbatim) when RAG is off; a line holding only one is then dropped.
    const withRag =
      placeholders.length > 0 ? makeVariablesOptional(prompt.template, new Set(placeholders)) : prompt.template;
    const marked = markSectionLines(withRag);
    const compiled = compileTemplate(withRag);
    const hasDependencies =
      dependencies !== undefined && (dependencies.bases.length > 0 || dependencies.ragConfigs.length > 0);
    return {
      prompt,
      dependencies: hasDependencies ? dependencies : undefined,
      renderOptions: new Map(),
      compiled,
      placeholders,
      sectionOnly: new Set(placeholders.filter((placeholder) => !open.has(placeholder))),
      optional: [...(prompt.validation?.optional_params ?? [])],
      required: [...(prompt.validation?.required_params ?? [])],
      markedCompiled: marked.marked ? compileTemplate(marked.template) : undefined,
      sectionVariables: marked.variables ?? compiled.variables,
    };
  }

  async #render(prepared: Prepared, options: RenderPromptOptions): Promise<PromptRenderResult> {
    const { prompt } = prepared;
    const params: Readonly<Record<string, unknown>> = options.params ?? {};
    const values: Record<string, string> = {};
    let warnings: readonly string[] = [];
    let rag: readonly RagRun[] = [];
    let ragBudget: RagPromptBudget | undefined;
    if (options.includeRag !== false) {
      const settings = this.#settings;
      const maxTokens = options.ragMaxTokens ?? settings.ragMaxTokens;
      const timeoutMs = options.ragTimeoutMs ?? settings.ragTimeoutMs;
      const outcome = await runRagSearches({
        requests: prompt.ragRequests,
        adapters: this.#adapters,
        params: { ...prompt.defaults, ...params },
        failurePolicy: options.ragFailurePolicy ?? settings.policy,
        signal: options.signal,
        ...(options.ragCache === undefined ? {} : { cache: options.ragCache }),
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(settings.ragCountTokens === undefined ? {} : { countTokens: settings.ragCountTokens }),
      });
      Object.assign(values, outcome.values);
      for (const placeholder of prepared.sectionOnly) {
        if (!outcome.runs.some((run) => run.placeholder === placeholder && run.results.length > 0)) {
          values[placeholder] = '';
        }
      }
      rag = outcome.runs;
      ragBudget = outcome.budget;
      warnings = outcome.warnings;
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
    const level = options.validationLevel ?? this.#settings.defaultLevel ?? prompt.validation?.level ?? 'warn';
    let renderOptions = prepared.renderOptions.get(level);
    if (!renderOptions) {
      renderOptions = {
        validation: { level, required: prepared.required },
        defaults: prompt.defaults,
        clock: this.#settings.clock,
        // Left-in placeholders are reported by the builder, with the prompt's name
        // (collectRenderWarnings), not a second time by the engine.
        partial: true,
      };
      prepared.renderOptions.set(level, renderOptions);
    }
    // The marked template (and the pass that removes blank marked lines) only when a line can drop.
    const { markedCompiled } = prepared;
    const marked =
      markedCompiled !== undefined &&
      prepared.sectionVariables.some((path) => !hasValue(paramValue(params, prompt.defaults, path)));
    const render = (marked ? markedCompiled : prepared.compiled).render(params, renderOptions);
    const allWarnings = collectRenderWarnings({
      render,
      level,
      optional: prepared.optional,
      params,
      defaults: prompt.defaults,
      promptName: prompt.name,
      kind: prompt.kind,
      ragWarnings: warnings,
    });
    const content = marked ? removeDroppedSectionLines(render.content) : render.content;
    return new BuiltPromptResult(prompt, render, content, level, allWarnings, rag, ragBudget);
  }
}
