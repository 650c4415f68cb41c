import type { PromptKind } from './prompt-definition.js';
import type { PromptEntry, PromptLibrary, RagConfigEntry } from './prompt-library.js';
import type { PromptStore } from './prompt-store.js';
import { storeNames } from './prompt-store.js';

/** A read-only library over an already loaded store (used by the linter). */
export class StorePromptLibrary implements PromptLibrary {
  constructor(
    readonly name: string,
    readonly store: PromptStore,
  ) {}

  async getPrompt(kind: PromptKind, name: string): Promise<PromptEntry | undefined> {
    return this.store[kind].get(name);
  }

  async listPrompts(kind: PromptKind): Promise<string[]> {
    return storeNames(this.store, kind);
  }

  async getRagConfig(name: string): Promise<RagConfigEntry | undefined> {
    return this.store.rag.get(name);
  }

  async listRagConfigs(): Promise<string[]> {
    return storeNames(this.store, 'rag');
  }
}
