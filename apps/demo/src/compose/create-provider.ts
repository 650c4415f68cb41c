import type { LLMProvider } from '@dk/spec';
import type { ProviderConfig } from '../config/demo-config.js';
import { echoToolScript } from './demo-tools.js';

/**
 * An environment view exposing the key stored under `apiKeyEnv` as `standardName`, read when
 * each request is made (so a rotated key is picked up without a restart).
 */
function keyEnvironment(
  standardName: string,
  apiKeyEnv: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  if (apiKeyEnv === undefined) return env;
  return new Proxy(
    {},
    {
      get: (_target, property) =>
        property === standardName ? env[apiKeyEnv] : typeof property === 'string' ? env[property] : undefined,
    },
  );
}

/**
 * Builds the configured model provider. Only the composition root calls this; each provider
 * package is imported only when configured, so a deployment loads (and needs) only its own.
 */
export async function createProvider(
  config: ProviderConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<LLMProvider> {
  switch (config.type) {
    case 'echo': {
      const { EchoProvider } = await import('@dk/providers-echo');
      return new EchoProvider({
        ...(config.model === undefined ? {} : { model: config.model }),
        ...(config.streamDelayMs === undefined ? {} : { streamDelayMs: config.streamDelayMs }),
        streamChunkSize: 4,
        // Deterministic tool calls: "note: …" asks to save a note, "search: …" searches the docs.
        responseFunction: (messages, options) => (options.tools === undefined ? undefined : echoToolScript(messages)),
      });
    }
    case 'openai': {
      const { OpenAIProvider } = await import('@dk/providers-openai');
      return new OpenAIProvider({
        ...(config.model === undefined ? {} : { model: config.model }),
        ...(config.baseURL === undefined ? {} : { baseURL: config.baseURL }),
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
        env: keyEnvironment('OPENAI_API_KEY', config.apiKeyEnv, env),
      });
    }
    case 'anthropic': {
      const { AnthropicProvider } = await import('@dk/providers-anthropic');
      return new AnthropicProvider({
        ...(config.model === undefined ? {} : { model: config.model }),
        ...(config.baseURL === undefined ? {} : { baseURL: config.baseURL }),
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
        env: keyEnvironment('ANTHROPIC_API_KEY', config.apiKeyEnv, env),
      });
    }
  }
}
