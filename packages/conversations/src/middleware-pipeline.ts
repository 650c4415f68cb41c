import type { LLMMessage, LLMResponse, StreamPart } from '@dk/spec';
import type { ConversationMiddleware, MiddlewareContext } from './conversation-middleware.js';
import { deepFreeze } from './deep-freeze.js';

/**
 * Runs `processRequest` of each middleware in list order. Every middleware receives a
 * frozen array of frozen messages; a returned replacement is frozen (it may share frozen
 * messages with its input) before the next middleware sees it.
 */
export async function runRequestMiddleware(
  middleware: readonly ConversationMiddleware[],
  messages: readonly LLMMessage[],
  context: MiddlewareContext,
): Promise<readonly LLMMessage[]> {
  let current = messages;
  for (const item of middleware) {
    if (item.processRequest === undefined) continue;
    const result = await item.processRequest(current, context);
    if (result !== undefined && result !== current) current = deepFreeze([...result]);
  }
  return current;
}

/** Runs `processResponse` of each middleware in reverse list order on a frozen response. */
export async function runResponseMiddleware(
  middleware: readonly ConversationMiddleware[],
  response: LLMResponse,
  context: MiddlewareContext,
): Promise<LLMResponse> {
  let current = response;
  for (let index = middleware.length - 1; index >= 0; index -= 1) {
    const item = middleware[index]!;
    if (item.processResponse === undefined) continue;
    const result = await item.processResponse(current, context);
    if (result !== undefined && result !== current) current = deepFreeze({ ...result });
  }
  return current;
}

/**
 * Passes one provider part through `processStreamPart` of each middleware in reverse list
 * order; the parts a middleware emits feed the next one. Returns the parts for the caller.
 */
export async function runStreamPartMiddleware(
  middleware: readonly ConversationMiddleware[],
  part: StreamPart,
  context: MiddlewareContext,
): Promise<readonly StreamPart[]> {
  let parts: readonly StreamPart[] = [part];
  for (let index = middleware.length - 1; index >= 0 && parts.length > 0; index -= 1) {
    const item = middleware[index]!;
    if (item.processStreamPart === undefined) continue;
    const next: StreamPart[] = [];
    for (const current of parts) {
      const result = await item.processStreamPart(current, context);
      if (result === undefined) next.push(current);
      else if (result === null) continue;
      else if (Array.isArray(result)) next.push(...(result as readonly StreamPart[]));
      else next.push(result as StreamPart);
    }
    parts = next.map((value) => deepFreeze(value));
  }
  return parts;
}

/** Calls `onError` of each middleware in reverse order; their own failures are ignored so the original error surfaces. */
export async function runErrorMiddleware(
  middleware: readonly ConversationMiddleware[],
  error: unknown,
  context: MiddlewareContext,
): Promise<void> {
  for (let index = middleware.length - 1; index >= 0; index -= 1) {
    const item = middleware[index]!;
    if (item.onError === undefined) continue;
    try {
      await item.onError(error, context);
    } catch {
      // An observer failing must not replace the error the caller needs to see.
    }
  }
}
