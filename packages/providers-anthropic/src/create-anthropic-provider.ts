import { AnthropicProvider } from './anthropic-provider.js';
import type { AnthropicProviderSettings } from './anthropic-provider-settings.js';

/**
 * Creates an {@link AnthropicProvider}. Nothing is read or connected until the first call:
 * the API key comes from `settings.apiKey` or `ANTHROPIC_API_KEY` at call time.
 *
 * @example
 * const claude = createAnthropicProvider({ model: 'claude-sonnet-4-6', maxTokens: 2048 });
 */
export function createAnthropicProvider(settings: AnthropicProviderSettings = {}): AnthropicProvider {
  return new AnthropicProvider(settings);
}
