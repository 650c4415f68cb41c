import type { LLMMessage, LLMResponse, StreamPart } from '@dk/spec';
import type { ConversationMiddleware, MiddlewareContext, TurnSummary } from './conversation-middleware.js';
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

/**
 * Runs `processResponse` of each middleware in list order on a frozen response. Each
 * receives its own copy, writable at the top level and in `metadata` (guide-style
 * `response.metadata[key] = value` works and can never reach a stored node by accident);
 * what it returns — or the copy it changed — is what the next one sees. The result is frozen.
 */
export async function runResponseMiddleware(
  middleware: readonly ConversationMiddleware[],
  response: LLMResponse,
  context: MiddlewareContext,
): Promise<LLMResponse> {
  let current = response;
  for (const item of middleware) {
    if (item.processResponse === undefined) continue;
    // Its own copy, writable at the top level and in `metadata` (what guide-style middleware
    // changes); deeper values stay frozen, so the shared parts cannot be corrupted.
    const copy: LLMResponse = { ...current, metadata: { ...current.metadata } };
    const result = await item.processResponse(copy, context);
    current = result === undefined || result === null ? copy : result;
  }
  return deepFreeze(current);
}

/**
 * Passes one provider part through `processStreamPart` of each middleware in list order;
 * the parts a middleware emits feed the next one. Returns the parts for the caller.
 */
export async function runStreamPartMiddleware(
  middleware: readonly ConversationMiddleware[],
  part: StreamPart,
  context: MiddlewareContext,
): Promise<readonly StreamPart[]> {
  let parts: readonly StreamPart[] = [part];
  for (let index = 0; index < middleware.length && parts.length > 0; index += 1) {
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

/** Calls `onError` of each middleware in list order; their own failures are ignored so the original error surfaces. */
export async function runErrorMiddleware(
  middleware: readonly ConversationMiddleware[],
  error: unknown,
  context: MiddlewareContext,
): Promise<void> {
  for (const item of middleware) {
    if (item.onError === undefined) continue;
    try {
      await item.onError(error, context);
    } catch {
      // An observer failing must not replace the error the caller needs to see.
    }
  }
}

/** Calls `afterTurn` of each middleware in list order; failures are ignored (the answer is stored). */
export async function runAfterTurnMiddleware(
  middleware: readonly ConversationMiddleware[],
  turn: TurnSummary,
  context: MiddlewareContext,
): Promise<void> {
  for (const item of middleware) {
    if (item.afterTurn === undefined) continue;
    try {
      await item.afterTurn(turn, context);
    } catch {
      // The turn is complete and stored; an observer failing must not turn it into an error.
    }
  }
}
