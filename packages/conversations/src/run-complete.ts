import type { LLMResponse } from '@dk/spec';
import type { PathEntry } from './active-path.js';
import type { DiscardedAttempt } from './answer-metadata.js';
import type { CompletionResult } from './completion-result.js';
import type { CompleteOptions } from './conversation-manager-options.js';
import type { ConversationSession } from './conversation-session.js';
import { frozenClone } from './deep-freeze.js';
import { runErrorMiddleware, runRequestMiddleware, runResponseMiddleware } from './middleware-pipeline.js';
import { callOptions } from './turn-base.js';
import { storeAnswer } from './store-answer.js';
import { createAttemptContext, createTurnState } from './turn-context.js';

const maxTurnAttempts = 10;

function isTurnRetryRequest(error: unknown): error is Error & { readonly reason?: string } {
  return (
    typeof error === 'object' && error !== null && (error as { requestsTurnRetry?: unknown }).requestsTurnRetry === true
  );
}

/**
 * Runs one non-streaming turn from `base`: request middleware, the model call, response
 * middleware, then the answer node (the only write). A middleware may ask for the call to
 * be repeated (`requestsTurnRetry`), up to 10 attempts; every attempt's calls are kept in
 * the record. On failure nothing is stored and the error is rethrown after `onError`.
 */
export async function runComplete(
  session: ConversationSession,
  base: readonly PathEntry[],
  options: CompleteOptions,
  operation: string,
): Promise<CompletionResult> {
  const parent = base.at(-1)!;
  const middleware = session.activeMiddleware(options.middleware);
  const handle = session.beginTurn(operation, options.signal);
  try {
    const turn = createTurnState(session, 'complete', parent.node.id, handle.signal);
    const discarded: DiscardedAttempt[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const context = createAttemptContext(session, turn, attempt);
      let raw: LLMResponse | undefined;
      let answer: ReturnType<typeof context.recordAnswer> | undefined;
      try {
        const messages = await runRequestMiddleware(
          middleware,
          Object.freeze(base.map((entry) => entry.message)),
          context.view,
        );
        const started = session.now();
        raw = await session.llm.complete(messages, callOptions(options, handle.signal));
        const latencyMs = session.now() - started;
        answer = context.recordAnswer(raw, latencyMs, parent.cumulativeTokens);
        const response = await runResponseMiddleware(middleware, frozenClone(raw), context.view);
        const node = await storeAnswer(session, base, {
          raw,
          response,
          answer,
          latencyMs,
          attempt,
          discarded,
          context,
          state: turn,
          middleware,
          options,
        });
        return { ...response, node, costUsd: answer.costUsd, latencyMs };
      } catch (error) {
        if (isTurnRetryRequest(error) && attempt < maxTurnAttempts) {
          discarded.push({
            attempt,
            reason: typeof error.reason === 'string' ? error.reason : error.message,
            answer,
            calls: [...context.extraCalls],
          });
          continue;
        }
        await runErrorMiddleware(middleware, error, context.view);
        throw error;
      }
    }
  } finally {
    handle.end();
  }
}
