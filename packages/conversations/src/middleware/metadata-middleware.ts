import { checkOptionValues } from '../check-option-values.js';
import type { ConversationMetadata, LLMMessage, LLMResponse } from '@dk/spec';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';

/** Settings of {@link MetadataMiddleware}. */
export interface MetadataMiddlewareOptions {
  /** Merged into the `metadata` of every message sent (copies; never sent to vendors, never stored). */
  readonly requestMetadata?: ConversationMetadata;
  /** Computed per call and merged like `requestMetadata`. */
  readonly requestMetadataFn?: (context: MiddlewareContext) => ConversationMetadata;
  /** Merged into the response's `metadata` and persisted on the assistant node. */
  readonly responseMetadata?: ConversationMetadata;
  /** Computed per response and merged like `responseMetadata`. */
  readonly responseMetadataFn?: (response: LLMResponse, context: MiddlewareContext) => ConversationMetadata;
}

/**
 * Adds metadata: to (copies of) the request messages, and to the response, where it is
 * also persisted on the stored assistant node. The stored user messages are never changed.
 */
export class MetadataMiddleware implements ConversationMiddleware {
  readonly name = 'MetadataMiddleware';
  readonly #options: MetadataMiddlewareOptions;

  constructor(options: MetadataMiddlewareOptions = {}) {
    checkOptionValues('MetadataMiddleware', options, {
      requestMetadata: 'object',
      requestMetadataFn: 'function',
      responseMetadata: 'object',
      responseMetadataFn: 'function',
    });
    this.#options = options;
  }

  processRequest(messages: readonly LLMMessage[], context: MiddlewareContext): readonly LLMMessage[] | undefined {
    const { requestMetadata, requestMetadataFn } = this.#options;
    if (requestMetadata === undefined && requestMetadataFn === undefined) return undefined;
    const extra = { ...requestMetadata, ...requestMetadataFn?.(context) };
    return messages.map((message) => ({ ...message, metadata: { ...message.metadata, ...extra } }));
  }

  processResponse(response: LLMResponse, context: MiddlewareContext): LLMResponse | undefined {
    const { responseMetadata, responseMetadataFn } = this.#options;
    if (responseMetadata === undefined && responseMetadataFn === undefined) return undefined;
    const extra = { ...responseMetadata, ...responseMetadataFn?.(response, context) };
    for (const [key, value] of Object.entries(extra)) context.setNodeMetadata(key, value);
    return { ...response, metadata: { ...response.metadata, ...extra } };
  }
}
