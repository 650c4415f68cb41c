export { AnthropicProvider } from './anthropic-provider.js';
export { createAnthropicProvider } from './create-anthropic-provider.js';
export type { AnthropicProviderSettings } from './anthropic-provider-settings.js';
export type { AnthropicStructuredOutputMode } from './anthropic-structured-output-mode.js';
export type { AnthropicSystemMessagePolicy } from './anthropic-system-message-policy.js';
