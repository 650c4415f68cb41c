export { OpenAIProvider } from './openai-provider.js';
export { createOpenAIProvider } from './create-openai-provider.js';
export type { OpenAIProviderSettings } from './openai-provider-settings.js';
