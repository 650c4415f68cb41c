import { checkOptions } from '@dk/spec';
import type { ConversationStore, LLMProvider } from '@dk/spec';

/** Result of one health check. */
export interface ComponentHealth {
  /** `ok`, `down`, or `skipped` when the component was not given. */
  readonly status: 'ok' | 'down' | 'skipped';
  /** Time taken, in milliseconds. */
  readonly latencyMs: number;
  /** Backend or provider name. */
  readonly name?: string;
  /** Why it is down (error name and message; never secrets, by the error contract). */
  readonly error?: string;
}

/** Result of {@link checkHealth}. */
export interface HealthReport {
  /** `ok`: everything given is up. `degraded`: the store is up but the model is not. `down`: the store is down. */
  readonly status: 'ok' | 'degraded' | 'down';
  readonly checks: { readonly storage: ComponentHealth; readonly llm: ComponentHealth };
}

/** Options of {@link checkHealth}. */
export interface CheckHealthOptions {
  readonly storage?: ConversationStore;
  readonly llm?: LLMProvider;
  /**
   * How to check the model: `credentials` (default) asks the provider to verify its
   * credentials without generating (`LLMProvider.ping`: e.g. lists models, no cost), falling
   * back to `presence` for providers without `ping`; `presence` only checks that a provider
   * with a model is configured; `complete` sends a one-token request (costs a call).
   */
  readonly llmProbe?: 'credentials' | 'presence' | 'complete';
  /** Per-check deadline in milliseconds. Default 5000. */
  readonly timeoutMs?: number;
}

async function timed(
  name: string | undefined,
  timeoutMs: number,
  check: (signal: AbortSignal) => Promise<unknown>,
): Promise<ComponentHealth> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(controller.signal),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return { status: 'ok', latencyMs: performance.now() - started, ...(name === undefined ? {} : { name }) };
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      status: 'down',
      latencyMs: performance.now() - started,
      ...(name === undefined ? {} : { name }),
      error: detail,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks the conversation store (`ping()`) and the model provider, with timings, for a
 * health endpoint.
 */
export async function checkHealth(options: CheckHealthOptions): Promise<HealthReport> {
  checkOptions('checkHealth', options, ['storage', 'llm', 'llmProbe', 'timeoutMs']);
  const { storage, llm, llmProbe = 'credentials', timeoutMs = 5000 } = options;
  const [storageHealth, llmHealth] = await Promise.all([
    storage === undefined
      ? Promise.resolve<ComponentHealth>({ status: 'skipped', latencyMs: 0 })
      : timed(storage.provider, timeoutMs, () => storage.ping()),
    llm === undefined
      ? Promise.resolve<ComponentHealth>({ status: 'skipped', latencyMs: 0 })
      : timed(llm.provider, timeoutMs, async (signal) => {
          if (llmProbe === 'complete') await llm.complete('ping', { maxTokens: 1, signal, maxRetries: 0 });
          else if (llmProbe === 'credentials' && typeof llm.ping === 'function') await llm.ping({ signal });
          else if (typeof llm.complete !== 'function' || typeof llm.modelId !== 'string' || llm.modelId === '')
            throw new Error('provider has no model configured');
        }),
  ]);
  const status = storageHealth.status === 'down' ? 'down' : llmHealth.status === 'down' ? 'degraded' : 'ok';
  return { status, checks: { storage: storageHealth, llm: llmHealth } };
}
