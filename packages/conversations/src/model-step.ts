import { context as otelContext } from '@opentelemetry/api';
import { AbortError, ConversationConflictError, StructuredOutputError } from '@dk/spec';
import type {
  CompletionOptions,
  ConversationNode,
  LLMMessage,
  NewConversationNode,
  LLMResponse,
  StreamPart,
  ToolCall,
} from '@dk/spec';
import type { PathEntry } from './active-path.js';
import { answerMetadata, describeError } from './answer-metadata.js';
import type { DiscardedAttempt } from './answer-metadata.js';
import type { CompleteOptions } from './conversation-manager-options.js';
import type { ConversationMiddleware, ModelCallRecord } from './conversation-middleware.js';
import type { ConversationSession } from './conversation-session.js';
import { ConversationStateError } from './conversation-state-error.js';
import { iterateInContext } from './conversation-telemetry.js';
import { deepFreeze } from './deep-freeze.js';
import {
  runErrorMiddleware,
  runRequestMiddleware,
  runResponseMiddleware,
  runStreamPartMiddleware,
} from './middleware-pipeline.js';
import { startModelCall } from './model-call-span.js';
import type { ModelCallSpan } from './model-call-span.js';
import { outputProblems, repairMessages } from './structured-output.js';
import type { OutputPlan } from './structured-output.js';
import { createAttemptContext } from './turn-context.js';
import type { AttemptContext, TurnState } from './turn-context.js';
import type { RepairStartPart } from './turn-types.js';

const maxAttempts = 10;

/** What one model step stored. */
export interface ModelStepResult {
  readonly node: ConversationNode;
  /** The response after middleware. */
  readonly response: LLMResponse;
  readonly answer: ModelCallRecord;
  readonly latencyMs: number;
  /** The structured answer, with `output`. */
  readonly object: unknown;
  /**
   * True when another writer moved the cursor while the model answered: the answer is
   * stored under its own question as a branch and the manager now follows the other path.
   */
  readonly offPath: boolean;
}

/**
 * Stores a turn's answer under `base`, moving the cursor. When another writer moved the
 * cursor meanwhile (`ConversationConflictError`) a final answer is not lost: it is stored
 * under its own question without moving the cursor, and the session reloads the stored path
 * (the other writer's). Steps with tool calls still fail: their loop cannot go on elsewhere.
 */
async function appendAnswer(
  session: ConversationSession,
  base: readonly PathEntry[],
  final: boolean,
  node: NewConversationNode,
): Promise<ConversationNode> {
  try {
    return await session.append(base, node);
  } catch (error) {
    if (!final || !ConversationConflictError.isInstance(error)) throw error;
    const result = await session.storage.appendNode({
      conversationId: session.conversationId,
      parentId: base.at(-1)!.node.id,
      node: { ...node, metadata: { ...node.metadata, offPath: true } },
    });
    await session.refresh();
    return result.node;
  }
}

/** Everything a model step needs besides the session and the path. */
export interface ModelStepSetup {
  readonly mode: 'complete' | 'stream';
  readonly step: number;
  readonly turn: TurnState;
  readonly middleware: readonly ConversationMiddleware[];
  readonly options: CompleteOptions;
  readonly callOptions: CompletionOptions;
  readonly output: OutputPlan | undefined;
  readonly maxRepairs: number;
}

function isTurnRetryRequest(error: unknown): error is Error & { readonly reason?: string } {
  return (
    typeof error === 'object' && error !== null && (error as { requestsTurnRetry?: unknown }).requestsTurnRetry === true
  );
}

function isAbortLike(error: unknown, signal: AbortSignal): boolean {
  return AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError') || signal.aborted;
}

/**
 * Keeps a partial streamed answer as an assistant node with `metadata.interrupted = true`
 * and moves the cursor to it. Nothing is stored without output. Best effort: the caller
 * must see the original error.
 */
async function storeInterrupted(
  session: ConversationSession,
  base: readonly PathEntry[],
  partial: { readonly text: string; readonly toolCalls: readonly ToolCall[]; readonly started: number },
  context: AttemptContext,
  reason: 'aborted' | 'error' | 'stopped' | 'closed',
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
      // The stream stopped before the provider reported usage: tokens were spent, how many is unknown.
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

/** Streams one model call, yielding parts after stream middleware; returns the assembled raw response. */
async function* streamCall(
  session: ConversationSession,
  base: readonly PathEntry[],
  messages: readonly LLMMessage[],
  setup: ModelStepSetup,
  context: AttemptContext,
  call: ModelCallSpan,
): AsyncGenerator<Exclude<StreamPart, { type: 'end' }>, { readonly raw: LLMResponse; readonly started: number }> {
  const signal = setup.turn.signal;
  let text = '';
  const toolCalls: ToolCall[] = [];
  const started = session.now();
  let settled = false;
  try {
    let end: Extract<StreamPart, { type: 'end' }> | undefined;
    const parts = session.llm.stream(messages, setup.callOptions);
    // Each read runs in the call span's context, so the provider's retries and spans nest under it.
    for await (const rawPart of call.span.isRecording() ? iterateInContext(call.context, parts) : parts) {
      if (signal.aborted) {
        throw signal.reason ?? new AbortError({ message: 'The stream was aborted.', provider: session.llm.provider });
      }
      for (const part of await runStreamPartMiddleware(setup.middleware, deepFreeze(rawPart), context.view)) {
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
    settled = true;
    return {
      raw: deepFreeze({ ...end.response, content: text, ...(toolCalls.length === 0 ? {} : { toolCalls }) }),
      started,
    };
  } catch (error) {
    settled = true;
    // A complete but invalid structured answer is repaired or fails the turn; it is not a partial one.
    if (!StructuredOutputError.isInstance(error)) {
      const reason =
        setup.options.signal?.aborted !== true && signal.aborted
          ? 'closed'
          : isAbortLike(error, signal)
            ? 'aborted'
            : 'error';
      await storeInterrupted(session, base, { text, toolCalls, started }, context, reason, error);
    }
    throw error;
  } finally {
    // The caller stopped iterating early (break/return): keep what it has seen.
    if (!settled) await storeInterrupted(session, base, { text, toolCalls, started }, context, 'stopped', undefined);
  }
}

/** The messages of `base` (a prefix of the cached path, usually) plus transient extra messages, frozen. */
function messagesOf(
  session: ConversationSession,
  base: readonly PathEntry[],
  extra: readonly LLMMessage[],
): readonly LLMMessage[] {
  const onPath = base.length === 0 || session.path.entries[base.length - 1] === base.at(-1);
  const messages = onPath ? session.path.messages(base.length) : Object.freeze(base.map((entry) => entry.message));
  return extra.length === 0 ? messages : Object.freeze([...messages, ...extra]);
}

/**
 * One model call of a turn and the node it stores: request middleware, the call (streamed
 * or not), response middleware, the answer node with its full record. A middleware may ask
 * for the call to be repeated (`requestsTurnRetry`, non-streaming calls), and an invalid
 * structured answer is sent back for repair up to `maxRepairs` times; every repeated call
 * is kept in the record as a discarded attempt. On failure nothing is stored (a stream
 * keeps its partial text as an interrupted node) and `onError` middleware run.
 */
export async function* modelStep(
  session: ConversationSession,
  base: readonly PathEntry[],
  setup: ModelStepSetup,
): AsyncGenerator<Exclude<StreamPart, { type: 'end' }> | RepairStartPart, ModelStepResult> {
  const discarded: DiscardedAttempt[] = [];
  let extraMessages: LLMMessage[] = [];
  let repairs = 0;
  const promptTokens = base.at(-1)?.cumulativeTokens ?? 0;
  for (let attempt = 1; ; attempt += 1) {
    const context = createAttemptContext(session, setup.turn, setup.step, attempt);
    let answer: ModelCallRecord | undefined;
    let streamed: { readonly raw: LLMResponse; readonly started: number } | undefined;
    try {
      const path = messagesOf(session, base, extraMessages);
      const messages = await runRequestMiddleware(setup.middleware, path, context.view);
      let raw: LLMResponse;
      let started: number;
      const call = startModelCall(session, messages, setup.callOptions, {
        step: setup.step,
        attempt,
        parentNodeId: setup.turn.parentNodeId,
        stream: setup.mode === 'stream',
      });
      try {
        if (setup.mode === 'stream') {
          streamed = yield* streamCall(session, base, messages, setup, context, call);
          ({ raw, started } = streamed);
        } else {
          started = session.now();
          const callOptions = setup.callOptions;
          raw = call.span.isRecording()
            ? await otelContext.with(call.context, () => session.llm.complete(messages, callOptions))
            : await session.llm.complete(messages, callOptions);
        }
        call.finish(raw);
      } catch (error) {
        call.fail(error);
        throw error;
      } finally {
        call.abandon();
      }
      const latencyMs = session.now() - started;
      answer = context.recordAnswer(raw, latencyMs, promptTokens);
      const hasToolCalls = raw.toolCalls !== undefined && raw.toolCalls.length > 0;
      const object =
        setup.output === undefined || hasToolCalls ? undefined : await setup.output.check(raw, session.llm.provider);
      const response = await runResponseMiddleware(setup.middleware, deepFreeze(raw), context.view);
      const node = await appendAnswer(session, base, !hasToolCalls, {
        role: 'assistant',
        content: response.content,
        ...(response.toolCalls === undefined || response.toolCalls.length === 0
          ? {}
          : { toolCalls: response.toolCalls }),
        metadata: {
          ...answerMetadata({
            raw,
            response,
            provider: session.llm.provider,
            answer,
            latencyMs,
            attempt,
            discarded,
            annotations: context.annotations,
            extraCalls: [...setup.turn.unlisted.splice(0), ...context.extraCalls],
            options: setup.options,
          }),
          ...(repairs === 0 ? {} : { structuredOutput: { repairs } }),
        },
        ...(setup.options.branchName === undefined ? {} : { branchName: setup.options.branchName }),
      });
      return { node, response, answer, latencyMs, object, offPath: node.id !== session.path.last?.node.id };
    } catch (error) {
      if (StructuredOutputError.isInstance(error) && setup.output !== undefined && repairs < setup.maxRepairs) {
        repairs += 1;
        discarded.push({
          attempt,
          reason: `invalid structured output: ${outputProblems(error).join('; ')}`,
          answer,
          calls: [...context.extraCalls],
        });
        extraMessages = repairMessages(error);
        if (setup.mode === 'stream') yield { type: 'repair-start', problems: outputProblems(error) };
        continue;
      }
      if (isTurnRetryRequest(error) && setup.mode === 'complete' && attempt < maxAttempts) {
        discarded.push({
          attempt,
          reason: typeof error.reason === 'string' ? error.reason : error.message,
          answer,
          calls: [...context.extraCalls],
        });
        continue;
      }
      if (streamed !== undefined) {
        // The caller saw the whole answer, then a middleware (or the store) failed: keep what it saw.
        const { raw, started } = streamed;
        await storeInterrupted(
          session,
          base,
          { text: raw.content, toolCalls: raw.toolCalls ?? [], started },
          context,
          'error',
          error,
        );
      }
      await runErrorMiddleware(setup.middleware, error, context.view);
      throw error;
    }
  }
}
