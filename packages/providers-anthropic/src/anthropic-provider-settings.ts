import type { RetrySettings } from '@dk/provider-utils';
import type { AnthropicStructuredOutputMode } from './anthropic-structured-output-mode.js';
import type { AnthropicSystemMessagePolicy } from './anthropic-system-message-policy.js';

/** Settings of {@link AnthropicProvider}; every field is optional. */
export interface AnthropicProviderSettings {
  /** Default model. Default `claude-sonnet-4-6`. */
  readonly model?: string;
  /** API key. Default: `ANTHROPIC_API_KEY`, read at call time (never at import or construction). */
  readonly apiKey?: string;
  /** API root. Default `https://api.anthropic.com`. */
  readonly baseURL?: string;
  /** Headers sent with every request (e.g. `anthropic-beta`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` used for HTTP (inject for tests or proxies). Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Retry policy for retryable failures (429, 408, 409, 5xx, 529 overloaded, connection resets). */
  readonly retry?: RetrySettings;
  /** Default deadline of one call in milliseconds, retries included. Default 600 000 (10 min). */
  readonly timeoutMs?: number;
  /** `max_tokens` when a call sets no `maxTokens` (Anthropic requires one). Default 4096. */
  readonly maxTokens?: number;
  /** Handling of system messages after the first non-system message. Default `hoist`. */
  readonly systemMessagePolicy?: AnthropicSystemMessagePolicy;
  /** How JSON response formats are requested. Default `tool`. */
  readonly structuredOutputMode?: AnthropicStructuredOutputMode;
  /** Where `ANTHROPIC_API_KEY` is read from. Default `process.env`, read at call time. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
