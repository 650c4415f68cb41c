import type { RagPromptBudget } from '@dk/rag';
import type { RagRun, RenderedPrompt } from '@dk/spec';
import type { RenderResult, ValidationLevel } from '@dk/templates';
import type { PromptKind, PromptMetadata } from './prompt-definition.js';
import type { ResolvedPrompt } from './resolve-prompt.js';

/** What a render produced, and where it came from. */
export interface PromptRenderResult extends RenderedPrompt {
  /** The rendered text. */
  readonly content: string;
  /** Required params that were missing, in declaration order. */
  readonly missing: readonly string[];
  /**
   * Variables left verbatim (`{{name}}`) because nothing gave them a value: a warning at
   * level `warn`, an `UnresolvedPlaceholdersError` at `error`.
   */
  readonly unresolved: readonly string[];
  /**
   * Validation warnings (missing required or optional params, unfilled placeholders) and RAG
   * problems (a failure under `omit`, a timeout, nothing found, everything under the score
   * threshold, an empty query).
   */
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

/** The builder's result: a class so every render builds one fixed-shape object. */
export class BuiltPromptResult implements PromptRenderResult {
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
    content: string,
    level: ValidationLevel,
    warnings: readonly string[],
    rag: readonly RagRun[],
    ragBudget: RagPromptBudget | undefined,
  ) {
    this.content = content;
    this.missing = render.missing;
    this.unresolved = render.unresolved;
    this.warnings = warnings;
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
