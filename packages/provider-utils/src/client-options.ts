import type { AttemptOptions } from './provider-model.js';

/**
 * A timeout that never fires first (one day): vendor clients need a number that fits a timer
 * (below 2^31 ms), and the call's own deadline is what ends a call.
 */
export const noClientTimeoutMs = 86_400_000;

/**
 * Constructor options for an official vendor client (`openai`, `@anthropic-ai/sdk` and other
 * clients of the same make): its own retries and logs off (the wrapper retries; logs could show
 * the key) and its timeout out of the way, plus the injected `fetch`, if any.
 */
export function clientDefaults(fetch: typeof globalThis.fetch | undefined): {
  readonly maxRetries: 0;
  readonly timeout: number;
  readonly logLevel: 'off';
  readonly fetch?: typeof globalThis.fetch;
} {
  return { maxRetries: 0, timeout: noClientTimeoutMs, logLevel: 'off', ...(fetch === undefined ? {} : { fetch }) };
}

/**
 * The per-request options of an official vendor client for one attempt: the attempt's signal,
 * its remaining deadline as the request timeout, and the call's headers, passed straight on.
 *
 * @example
 * await client.chat.completions.create(body, clientRequestOptions(attempt));
 */
export function clientRequestOptions({ signal, timeoutMs, headers }: AttemptOptions): {
  signal: AbortSignal | undefined;
  timeout: number;
  headers: Record<string, string> | undefined;
} {
  return { signal, timeout: timeoutMs ?? noClientTimeoutMs, headers };
}
