import { MemoryConversationStore } from './memory-conversation-store.js';
import type { MemoryConversationStoreSettings } from './memory-conversation-store.js';

/** Creates a {@link MemoryConversationStore}: the in-process store for tests and prototypes. */
export function createMemoryConversationStore(settings: MemoryConversationStoreSettings = {}): MemoryConversationStore {
  return new MemoryConversationStore(settings);
}
