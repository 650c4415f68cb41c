import { OpenAIProvider } from './openai-provider.js';
import type { OpenAIProviderSettings } from './openai-provider-settings.js';

/**
 * Creates an {@link OpenAIProvider}. Nothing is read or connected until the first call: the
 * API key comes from `settings.apiKey` or `OPENAI_API_KEY` at call time.
 *
 * @example
 * const openai = createOpenAIProvider({ model: 'gpt-4o-mini' });
 * const local = createOpenAIProvider({ baseURL: 'http://localhost:11434/v1', model: 'llama3.2' });
 */
export function createOpenAIProvider(settings: OpenAIProviderSettings = {}): OpenAIProvider {
  return new OpenAIProvider(settings);
}
