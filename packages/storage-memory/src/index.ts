export { MemoryConversationStore } from './memory-conversation-store.js';
export type { MemoryConversationStoreSettings } from './memory-conversation-store.js';
export { createMemoryConversationStore } from './create-memory-conversation-store.js';
