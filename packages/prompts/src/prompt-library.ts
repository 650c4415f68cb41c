import type { RagConfig } from '@dk/rag';
import type { PromptDefinition, PromptKind } from './prompt-definition.js';
import type { SourceLocator } from './source-locator.js';

/** Options of one library lookup. Libraries ignore what they do not use. */
export interface PromptLookupOptions {
  /** Cancels a lookup that does I/O. */
  readonly signal?: AbortSignal;
  /** The user the prompt is for: picks a sticky A/B variant in a `VersionedPromptLibrary`. */
  readonly userId?: string;
  /** An exact version (`1.2.0`) in a `VersionedPromptLibrary`. */
  readonly version?: string;
  /** A label (`production`, `staging`) in a `VersionedPromptLibrary`. */
  readonly label?: string;
}

/** A prompt as a library holds it. Entries are frozen; their identity changes only when the prompt does. */
export interface PromptEntry {
  readonly name: string;
  readonly kind: PromptKind;
  /** The definition as written (deeply frozen). */
  readonly definition: PromptDefinition;
  /** Name of the library that supplied it (the member name inside a composite). */
  readonly library: string;
  /** The file it came from, or a `<library>:<kind>/<name>` label for in-memory entries. */
  readonly file: string;
  /** Field positions in `file`, for problems found after loading. */
  readonly locator: SourceLocator;
  /** The version, for versioned libraries. */
  readonly version?: string;
}

/** A RAG config as a library holds it (`rag/<name>.yaml`). */
export interface RagConfigEntry {
  readonly name: string;
  readonly config: RagConfig;
  readonly library: string;
  readonly file: string;
  readonly locator: SourceLocator;
}

/**
 * A source of prompts and RAG configs. Every lookup is async (files, databases and version
 * stores may sit behind it) and returns `undefined` for an unknown name; the builder turns
 * that into `PromptNotFoundError`.
 */
export interface PromptLibrary {
  /** Name used in errors and render results. */
  readonly name: string;
  /**
   * A number that changes whenever a lookup (without `userId`, `version` or `label`) may give
   * a different answer. Lets the builder reuse resolved prompts without asking again. Leave
   * it out when changes cannot be tracked; the builder then looks up on every render.
   */
  readonly revision?: number;
  /** The prompt of that kind and name. */
  getPrompt(kind: PromptKind, name: string, options?: PromptLookupOptions): Promise<PromptEntry | undefined>;
  /** Names of the prompts of that kind, sorted. */
  listPrompts(kind: PromptKind): Promise<string[]>;
  /** The RAG config of that name. */
  getRagConfig(name: string, options?: PromptLookupOptions): Promise<RagConfigEntry | undefined>;
  /** Names of the RAG configs, sorted. */
  listRagConfigs(): Promise<string[]>;
}
