import { AbortError, ConversationConflictError } from '@dk/spec';
import type { StreamPart, ToolCall } from '@dk/spec';
import type { PathEntry } from './active-path.js';
import { describeError } from './answer-metadata.js';
import type { CompleteOptions } from './conversation-manager-options.js';
import type { ConversationSession } from './conversation-session.js';
import { ConversationStateError } from './conversation-state-error.js';
import { deepFreeze, frozenClone } from './deep-freeze.js';
import {
  runErrorMiddleware,
  runRequestMiddleware,
  runResponseMiddleware,
  runStreamPartMiddleware,
} from './middleware-pipeline.js';
import { callOptions } from './turn-base.js';
import { storeAnswer } from './store-answer.js';
import { createAttemptContext, createTurnState } from './turn-context.js';
import type { AttemptContext } from './turn-context.js';

/** Why a streamed answer stopped early. */
type Interruption = 'aborted' | 'error' | 'stopped' | 'closed';

function isAbortLike(error: unknown, signal: AbortSignal): boolean {
  return AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError') || signal.aborted;
}

/**
 * Keeps a partial answer: stored under the turn's parent as an assistant node with
 * `metadata.interrupted = true` and the cursor moved to it (the conversation continues
 * from what the user saw; `complete()` there gives a fresh alternative). Nothing is stored
 * when there was no output. Best effort: the caller must see the original error.
 */
async function storeInterrupted(
  session: ConversationSession,
  base: readonly PathEntry[],
  partial: { readonly text: string; readonly toolCalls: readonly ToolCall[]; readonly started: number },
  context: AttemptContext,
  reason: Interruption,
  error: unknown,
): Promise<void> {
  if (partial.text.length === 0 && partial.toolCalls.length === 0) return;
  const node = {
    role: 'assistant' as const,
    content: partial.text,
    ...(partial.toolCalls.length === 0 ? {} : { toolCalls: partial.toolCalls }),
    metadata: {
      ...context.annotations,
      interrupted: true,
      interruption: { reason, ...(error === undefined ? {} : { error: describeError(error) }) },
      model: session.llm.modelId,
      provider: session.llm.provider,
      // The stream stopped before the provider reported usage: the tokens were spent, but how many is unknown.
      usage: null,
      usageUnknown: true,
      costUsd: null,
      latencyMs: Math.round((session.now() - partial.started) * 1000) / 1000,
    },
  };
  try {
    await session.append(base, node);
  } catch (appendError) {
    if (!ConversationConflictError.isInstance(appendError)) return;
    // Someone else moved the cursor meanwhile: keep the text as a branch without moving it.
    await session.storage
      .appendNode({ conversationId: session.conversationId, parentId: base.at(-1)!.node.id, node })
      .then((result) => {
        session.record = result.conversation;
      })
      .catch(() => undefined);
  }
}

/**
 * Runs one streamed turn from `base`: yields the provider's parts after `processStreamPart`
 * middleware; the final `end` part is yielded after the answer node is stored and carries
 * the middleware-processed response. If the stream fails, is aborted, the manager closes,
 * or the caller stops early, the text received so far is kept (see `storeInterrupted`)
 * and the error is rethrown.
 */
export async function* runStream(
  session: ConversationSession,
  base: readonly PathEntry[],
  options: CompleteOptions,
): AsyncGenerator<StreamPart, void, undefined> {
  const parent = base.at(-1)!;
  const middleware = session.activeMiddleware(options.middleware);
  const handle = session.beginTurn('stream', options.signal);
  const turn = createTurnState(session, 'stream', parent.node.id, handle.signal);
  const context = createAttemptContext(session, turn, 1);
  let text = '';
  const toolCalls: ToolCall[] = [];
  let started = session.now();
  let settled = false;
  try {
    const messages = await runRequestMiddleware(
      middleware,
      Object.freeze(base.map((entry) => entry.message)),
      context.view,
    );
    started = session.now();
    let end: Extract<StreamPart, { type: 'end' }> | undefined;
    for await (const rawPart of session.llm.stream(messages, callOptions(options, handle.signal))) {
      if (handle.signal.aborted)
        throw (
          handle.signal.reason ?? new AbortError({ message: 'The stream was aborted.', provider: session.llm.provider })
        );
      for (const part of await runStreamPartMiddleware(middleware, frozenClone(rawPart), context.view)) {
        if (part.type === 'end') {
          end = part;
          continue;
        }
        if (part.type === 'text-delta') text += part.text;
        else if (part.type === 'tool-call') toolCalls.push(part.toolCall);
        yield part;
      }
    }
    if (end === undefined) {
      throw new ConversationStateError({
        conversationId: session.conversationId,
        operation: 'stream',
        message: `The provider "${session.llm.provider}" ended the stream without an \`end\` part; the partial answer was kept as an interrupted node.`,
      });
    }
    const latencyMs = session.now() - started;
    const raw = deepFreeze({ ...end.response, content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) });
    const answer = context.recordAnswer(raw, latencyMs, parent.cumulativeTokens);
    const response = await runResponseMiddleware(middleware, raw, context.view);
    await storeAnswer(session, base, {
      raw,
      response,
      answer,
      latencyMs,
      attempt: 1,
      discarded: [],
      context,
      state: turn,
      middleware,
      options,
    });
    settled = true;
    yield deepFreeze({ ...end, response });
  } catch (error) {
    if (!settled) {
      settled = true;
      const reason: Interruption =
        options.signal?.aborted !== true && handle.signal.aborted
          ? 'closed'
          : isAbortLike(error, handle.signal)
            ? 'aborted'
            : 'error';
      await storeInterrupted(session, base, { text, toolCalls, started }, context, reason, error);
      await runErrorMiddleware(middleware, error, context.view);
    }
    throw error;
  } finally {
    // The caller stopped iterating early (break/return): keep what it has seen.
    if (!settled) await storeInterrupted(session, base, { text, toolCalls, started }, context, 'stopped', undefined);
    handle.end();
  }
}
