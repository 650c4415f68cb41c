import { createHash } from 'node:crypto';
import type { CompletionOptions, EmbeddingOptions, LLMMessage } from '@dk/spec';

/** Options that never change what a provider answers, or that may hold secrets. */
const ignoredOptions = new Set(['signal', 'headers', 'timeoutMs', 'maxRetries']);

/** JSON with object keys sorted at every level and `undefined` members dropped. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
    return sorted;
  });
}

/** What identifies one provider request for recording and replay. */
export interface RequestIdentity {
  readonly method: 'complete' | 'stream' | 'embed';
  readonly provider: string;
  /** The model the call uses (the per-call `model` option, else the provider's). */
  readonly model: string;
  readonly messages?: readonly LLMMessage[];
  readonly texts?: readonly string[];
  readonly options: CompletionOptions | EmbeddingOptions;
}

/**
 * The normalised request that is hashed: messages without application `metadata`, options
 * without `signal`, `headers`, `timeoutMs` and `maxRetries` (they do not change the answer, and
 * headers may hold secrets), and `model` resolved.
 */
export function normalizeRequest(identity: RequestIdentity): Record<string, unknown> {
  const options = Object.fromEntries(
    Object.entries(identity.options).filter(
      ([key, value]) => !ignoredOptions.has(key) && value !== undefined && key !== 'model',
    ),
  );
  return {
    method: identity.method,
    provider: identity.provider,
    model: identity.model,
    ...(identity.messages === undefined
      ? {}
      : {
          messages: identity.messages.map(({ metadata: _metadata, ...message }) => message),
        }),
    ...(identity.texts === undefined ? {} : { texts: identity.texts }),
    options,
  };
}

/** A stable SHA-256 hash (16 hex characters) of the {@link normalizeRequest normalised request}. */
export function hashRequest(identity: RequestIdentity): string {
  return createHash('sha256')
    .update(stableStringify(normalizeRequest(identity)))
    .digest('hex')
    .slice(0, 16);
}
