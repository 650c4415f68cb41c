import type { RagConfig } from '@dk/rag';
import type { ValidationLevel } from '@dk/templates';

/** The two kinds of prompt a library holds. RAG configs live beside them under `rag/`. */
export type PromptKind = 'system' | 'user';

/** The `validation` block of a prompt file. */
export interface PromptValidation {
  /** Reaction to missing required params; absent = inherit the builder's default. */
  readonly level?: ValidationLevel;
  /** Params that must have a value, in the order they are reported. */
  readonly required_params?: readonly string[];
  /** Params that may be missing without a warning. */
  readonly optional_params?: readonly string[];
}

/** Documentation of one parameter, kept in `metadata.parameters` for tools and docs. */
export interface PromptParameterDoc {
  readonly type?: string;
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly [key: string]: unknown;
}

/** The `metadata` block of a prompt file: free-form, with documented `parameters`. */
export interface PromptMetadata {
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, PromptParameterDoc>>;
  readonly [key: string]: unknown;
}

/**
 * One prompt as written in a prompt file (`system/<name>.yaml`, `user/<name>.yaml`) or given
 * to a `ConfigPromptLibrary`. Field names are the file's (snake_case). A prompt needs a
 * `template` or an `extends`.
 */
export interface PromptDefinition {
  /** The template text (see `@dk/templates`); `{{SECTION}}` placeholders expand `sections`. */
  readonly template?: string;
  /** Name of the prompt this one extends (same kind first, then the other kind). */
  readonly extends?: string;
  /** Values for params the caller leaves out. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Required/optional params and the validation level. */
  readonly validation?: PromptValidation;
  /** Named blocks of template text that `{{NAME}}` placeholders expand to before rendering. */
  readonly sections?: Readonly<Record<string, string>>;
  /** Free-form metadata (author, description, parameter docs). */
  readonly metadata?: PromptMetadata;
  /** RAG configs written inline. */
  readonly rag_configs?: readonly RagConfig[];
  /** Names of RAG configs in the library's `rag/` folder. */
  readonly rag_config_refs?: readonly string[];
}
