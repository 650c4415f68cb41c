import type { RagConfig } from '@dk/rag';
import { checkOptions } from '@dk/spec';
import { checkPromptValue } from './check-prompt-value.js';
import { deepFreeze } from './deep-freeze.js';
import type { PromptDefinition, PromptKind } from './prompt-definition.js';
import { PromptFileError } from './prompt-file-error.js';
import type { PromptEntry, PromptLibrary, RagConfigEntry } from './prompt-library.js';
import { createPromptStore, storeNames } from './prompt-store.js';
import { noSourceLocator } from './source-locator.js';
import { validatePromptName } from './validate-prompt-name.js';

/** Settings of a {@link ConfigPromptLibrary}. */
export interface ConfigPromptLibrarySettings {
  /** Name used in errors and results. Default `config`. */
  readonly name?: string;
  /** System prompts by name; a string is shorthand for `{ template }`. */
  readonly system?: Readonly<Record<string, PromptDefinition | string>>;
  /** User prompts by name; a string is shorthand for `{ template }`. */
  readonly user?: Readonly<Record<string, PromptDefinition | string>>;
  /** RAG configs by name. */
  readonly rag?: Readonly<Record<string, RagConfig>>;
}

/**
 * A prompt library built from an object (configuration, tests). Every entry is checked
 * against the prompt file schema and template grammar when added; problems throw
 * {@link PromptFileError}. Entries are copied and frozen: changing the input later has no
 * effect.
 */
export class ConfigPromptLibrary implements PromptLibrary {
  readonly name: string;
  readonly #store = createPromptStore();
  #revision = 0;

  /** Changes whenever an entry is added or removed. */
  get revision(): number {
    return this.#revision;
  }

  constructor(settings: ConfigPromptLibrarySettings = {}) {
    checkOptions('ConfigPromptLibrary', settings, ['name', 'system', 'user', 'rag']);
    this.name = settings.name ?? 'config';
    const problems = [];
    for (const kind of ['system', 'user'] as const) {
      for (const [name, definition] of Object.entries(settings[kind] ?? {})) {
        problems.push(...this.#addPrompt(kind, name, definition));
      }
    }
    for (const [name, config] of Object.entries(settings.rag ?? {})) problems.push(...this.#addRag(name, config));
    if (problems.length > 0) throw new PromptFileError({ problems });
  }

  /** Adds or replaces a prompt. Throws {@link PromptFileError} if it is invalid. */
  addPrompt(kind: PromptKind, name: string, definition: PromptDefinition | string): void {
    const problems = this.#addPrompt(kind, name, definition);
    if (problems.length > 0) throw new PromptFileError({ problems });
  }

  /** Removes a prompt; returns whether it existed. */
  removePrompt(kind: PromptKind, name: string): boolean {
    this.#revision++;
    return this.#store[kind].delete(name);
  }

  /** Adds or replaces a RAG config. Throws {@link PromptFileError} if it is invalid. */
  addRagConfig(name: string, config: RagConfig): void {
    const problems = this.#addRag(name, config);
    if (problems.length > 0) throw new PromptFileError({ problems });
  }

  /** Removes a RAG config; returns whether it existed. */
  removeRagConfig(name: string): boolean {
    this.#revision++;
    return this.#store.rag.delete(name);
  }

  async getPrompt(kind: PromptKind, name: string): Promise<PromptEntry | undefined> {
    validatePromptName(name);
    return this.#store[kind].get(name);
  }

  async listPrompts(kind: PromptKind): Promise<string[]> {
    return storeNames(this.#store, kind);
  }

  async getRagConfig(name: string): Promise<RagConfigEntry | undefined> {
    validatePromptName(name);
    return this.#store.rag.get(name);
  }

  async listRagConfigs(): Promise<string[]> {
    return storeNames(this.#store, 'rag');
  }

  #addPrompt(kind: PromptKind, name: string, definition: PromptDefinition | string) {
    validatePromptName(name);
    const file = `${this.name}:${kind}/${name}`;
    const value: unknown = typeof definition === 'string' ? { template: definition } : structuredClone(definition);
    const problems = checkPromptValue(value, { file, kind: 'prompt', locator: noSourceLocator });
    if (problems.length === 0) {
      this.#revision++;
      this.#store[kind].set(
        name,
        deepFreeze({
          name,
          kind,
          definition: value as PromptDefinition,
          library: this.name,
          file,
          locator: noSourceLocator,
        }),
      );
    }
    return problems;
  }

  #addRag(name: string, config: RagConfig) {
    validatePromptName(name);
    const file = `${this.name}:rag/${name}`;
    const value = structuredClone(config);
    const problems = checkPromptValue(value, { file, kind: 'rag', locator: noSourceLocator });
    if (problems.length === 0) {
      this.#revision++;
      this.#store.rag.set(
        name,
        deepFreeze({ name, config: value, library: this.name, file, locator: noSourceLocator }),
      );
    }
    return problems;
  }
}
