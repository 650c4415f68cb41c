import type { PromptKind } from './prompt-definition.js';
import type { PromptEntry, RagConfigEntry } from './prompt-library.js';

/** The maps a loaded library serves lookups from. */
export interface PromptStore {
  readonly system: Map<string, PromptEntry>;
  readonly user: Map<string, PromptEntry>;
  readonly rag: Map<string, RagConfigEntry>;
}

/** An empty store. */
export function createPromptStore(): PromptStore {
  return { system: new Map(), user: new Map(), rag: new Map() };
}

/** Sorted names of one kind in a store. */
export function storeNames(store: PromptStore, kind: PromptKind | 'rag'): string[] {
  return [...store[kind].keys()].sort();
}
