export { OpenAIProvider } from './openai-provider.js';
export { createOpenAIProvider } from './create-openai-provider.js';
export type { OpenAIProviderSettings } from './openai-provider-settings.js';
export { OpenAIEmbeddingModel } from './openai-embedding-model.js';
export type { OpenAIEmbeddingModelSettings } from './openai-embedding-model.js';
