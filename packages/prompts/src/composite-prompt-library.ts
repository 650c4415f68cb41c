import { checkOptions } from '@dk/spec';
import { CompositeLibraryError } from './composite-library-error.js';
import type { PromptKind } from './prompt-definition.js';
import type { PromptEntry, PromptLibrary, PromptLookupOptions, RagConfigEntry } from './prompt-library.js';

/** Settings of a {@link CompositePromptLibrary}. */
export interface CompositePromptLibrarySettings {
  /** Member libraries, highest precedence first. */
  readonly libraries: readonly PromptLibrary[];
  /** Member names, parallel to `libraries`. Default: each library's own `name`. */
  readonly names?: readonly string[];
  /** Name of the composite. Default `composite`. */
  readonly name?: string;
}

interface Member {
  readonly name: string;
  readonly library: PromptLibrary;
  /** Entries relabelled with the member name, cached so their identity stays stable. */
  readonly prompts: WeakMap<PromptEntry, PromptEntry>;
  readonly rag: WeakMap<RagConfigEntry, RagConfigEntry>;
}

function relabel<T extends { readonly library: string }>(cache: WeakMap<T, T>, entry: T, library: string): T {
  if (entry.library === library) return entry;
  let labelled = cache.get(entry);
  if (!labelled) {
    labelled = Object.freeze({ ...entry, library });
    cache.set(entry, labelled);
  }
  return labelled;
}

/**
 * Several libraries searched in order; the first that has a prompt (or RAG config) wins —
 * the guide's "production overrides, falling back to base" pattern. A prompt and its RAG
 * configs come from the library that supplied the prompt (refs are looked up through the
 * composite, so an override can reuse a base RAG config). Entries report the member name
 * as their `library`.
 */
export class CompositePromptLibrary implements PromptLibrary {
  readonly name: string;
  #members: Member[] = [];
  #changes = 0;

  /** Changes when members are added or removed or any member changes; `undefined` if a member cannot tell. */
  get revision(): number | undefined {
    let total = this.#changes;
    for (const member of this.#members) {
      if (member.library.revision === undefined) return undefined;
      total += member.library.revision;
    }
    return total;
  }

  constructor(settings: CompositePromptLibrarySettings) {
    checkOptions('CompositePromptLibrary', settings, ['libraries', 'names', 'name']);
    this.name = settings?.name ?? 'composite';
    const { libraries, names } = settings ?? {};
    if (!Array.isArray(libraries)) {
      throw new CompositeLibraryError(
        'CompositePromptLibrary needs `libraries`: a list of prompt libraries, highest precedence first.',
      );
    }
    if (names && names.length !== libraries.length) {
      throw new CompositeLibraryError(
        `CompositePromptLibrary got ${libraries.length} libraries but ${names.length} names. Give one name per library, or none.`,
      );
    }
    libraries.forEach((library, index) => this.addLibrary(library, { name: names?.[index] }));
  }

  /** Member names, highest precedence first. */
  get libraryNames(): string[] {
    return this.#members.map((member) => member.name);
  }

  /**
   * Adds a member. `priority` is its position (0 = highest precedence); default last.
   * Throws {@link CompositeLibraryError} if the name is taken.
   */
  addLibrary(library: PromptLibrary, options: { readonly name?: string; readonly priority?: number } = {}): void {
    if (typeof library !== 'object' || library === null || typeof library.getPrompt !== 'function') {
      throw new CompositeLibraryError(
        `CompositePromptLibrary members must be prompt libraries (with getPrompt, listPrompts, getRagConfig, listRagConfigs), got ${library === null ? 'null' : typeof library}.`,
      );
    }
    const name = options.name ?? library.name;
    if (this.#members.some((member) => member.name === name)) {
      throw new CompositeLibraryError(
        `CompositePromptLibrary already has a member named "${name}". Pick another name or remove it first.`,
      );
    }
    const members = [...this.#members];
    const position =
      options.priority === undefined ? members.length : Math.max(0, Math.min(options.priority, members.length));
    members.splice(position, 0, { name, library, prompts: new WeakMap(), rag: new WeakMap() });
    this.#members = members;
    this.#changes++;
  }

  /** Removes a member by name; returns whether it existed. */
  removeLibrary(name: string): boolean {
    const before = this.#members.length;
    this.#members = this.#members.filter((member) => member.name !== name);
    this.#changes++;
    return this.#members.length !== before;
  }

  /** The member library of that name. */
  getLibrary(name: string): PromptLibrary | undefined {
    return this.#members.find((member) => member.name === name)?.library;
  }

  async getPrompt(kind: PromptKind, name: string, options?: PromptLookupOptions): Promise<PromptEntry | undefined> {
    for (const member of this.#members) {
      const entry = await member.library.getPrompt(kind, name, options);
      if (entry) return relabel(member.prompts, entry, member.name);
    }
    return undefined;
  }

  async listPrompts(kind: PromptKind): Promise<string[]> {
    const lists = await Promise.all(this.#members.map((member) => member.library.listPrompts(kind)));
    return [...new Set(lists.flat())].sort();
  }

  async getRagConfig(name: string, options?: PromptLookupOptions): Promise<RagConfigEntry | undefined> {
    for (const member of this.#members) {
      const entry = await member.library.getRagConfig(name, options);
      if (entry) return relabel(member.rag, entry, member.name);
    }
    return undefined;
  }

  async listRagConfigs(): Promise<string[]> {
    const lists = await Promise.all(this.#members.map((member) => member.library.listRagConfigs()));
    return [...new Set(lists.flat())].sort();
  }
}
