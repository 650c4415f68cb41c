export { importChatGptConversation } from './import-chatgpt-conversation.js';
export { importDataknobsConversation } from './import-dataknobs-conversation.js';
export type { ImportConversationOptions, ImportConversationResult } from './import-result.js';
